"""The Gradio chat page: answers with their sources, feedback, uploads and the HTTP API."""
