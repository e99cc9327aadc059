"""What every domain package shares and none owns: refusals, actors and their roles, the
clock, and writing an action on the audit record. It imports no domain package (the
import contract in pyproject.toml), so the arrows between the others point one way."""
