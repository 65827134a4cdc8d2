"""Management commands of the core: ``demo_content`` (every app's demo steps) and ``resanitize``."""
