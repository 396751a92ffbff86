"""Claims read from any model card on the Hub (model-index, .eval_results, Trainer text, tables), and
verdicts published back in the Hub's own format."""
