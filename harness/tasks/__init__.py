"""Tasks turn dataset rows into model inputs and model outputs into predictions."""
