"""What the web app (``ui.py``) needs beside the stages: the workspace of one notes folder and its
index, checked uploads, and Markdown/HTML presentation of answers, quizzes and notes."""
