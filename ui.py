"""The study app (Gradio). ``python ui.py [--port 7860]`` serves it on 127.0.0.1."""

from __future__ import annotations

import argparse

import gradio as gr


def build_app() -> gr.Blocks:
    with gr.Blocks(title="Study assistant") as app:
        gr.Markdown("# Study assistant\nAsk your notes a question.")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the study app on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args()
    build_app().launch(server_name="127.0.0.1", server_port=args.port, share=False)


if __name__ == "__main__":
    main()
