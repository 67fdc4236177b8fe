"""`edgekd sweep`: train and export a grid of student shapes from one build's cached teacher logits, measure every
bundle in one pass, and report accuracy against latency and size (JSON, Markdown table, Pareto-front PNG).

Modules: `grid` (the points), `inputs` (a finished build folder's artifacts), `store` (one atomic record per
finished point, so a killed sweep resumes), `steps` (train / export one point), `measure` (the timing pass),
`pareto` (the pure front), `report` (table, JSON, plot), `run` (the whole sweep).
"""
