"""Write paths of the catalog.

The shop feed's write paths (purchases, stock, feed batches) live in ``feed.py`` and
``feed_batches.py``; its background task in ``tasks.py``.
"""
