"""Content-keyed stores on disk (predictions, features, built files) and the cache folder's layout."""
