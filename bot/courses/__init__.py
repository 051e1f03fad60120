"""The course catalogue: providers' plans imported from CSV, matched to newcomers, followed."""
