"""Commands for an organization's single sign-on."""
