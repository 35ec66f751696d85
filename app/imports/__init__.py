"""CSV imports: communities, departments, residents and volunteers."""
