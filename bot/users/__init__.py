"""People at the desk: users, roles, passwords, TOTP, recovery codes and sign-in."""
