"""Models of the duty app arrive with their issue; the app is installed so that its
migrations, admin and API slot into the shared foundation."""
