"""Generated answers: the user's language model (``client``) writes over the extractive
pipeline's passages, and every sentence it writes is verified against them (``generate.verification``)."""
