"""The only package that speaks SQL. Pipelines and commands call its named operations."""
