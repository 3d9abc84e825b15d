"""Training the reader (``qa.answer.reader``) again: ``training_data`` (SQuAD paragraphs as
labelled sentences), ``rows`` (token rows and batches), ``train`` (fine-tuning the packaged
all-MiniLM-L6-v2), ``export`` (int8 ONNX and the model card), ``measure`` (figures on held-out
articles) and ``combination`` (how the pipeline weighs the reader). `corpusqa train-reader`
runs them in order."""
