"""(registered by its view; see insights/measures/__init__.py)"""
