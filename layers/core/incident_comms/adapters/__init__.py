"""AWS adapters at the edge of the core; each takes its boto3 client from the composition module."""
