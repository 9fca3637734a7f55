"""The scoring app's part of the web front: its pages in the navigation and its tiles
on the home page (governance.frontend)."""
