"""`python -m edgekd.teacher`: find the default teacher (all-MiniLM-L6-v2), fetching it into the cache on first use
(see edgekd.teacher.locate), and print its folder. Exit 2 with the reason when it cannot be found or fetched."""
import sys

from .locate import TeacherNotFound, default_teacher_dir

try:
    print(default_teacher_dir())
except TeacherNotFound as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(2)
