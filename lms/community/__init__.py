"""Learning together: leaderboards and recognition (discussions join here)."""
