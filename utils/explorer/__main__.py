"""Notebook 08 as a standalone app: ``python -m utils.explorer`` runs
:func:`utils.explorer.app.main`."""

from utils.explorer.app import main

if __name__ == "__main__":
    main()
