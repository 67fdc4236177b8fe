"""Teacher: locate, load, fine-tune and run a BERT-family sequence classifier."""
from .locate import DEFAULT_TEACHER, TeacherNotFound, default_teacher_dir, resolve_teacher

__all__ = ["DEFAULT_TEACHER", "TeacherNotFound", "default_teacher_dir", "resolve_teacher"]
