"""The domain: taxonomy, models' rules, matching and gaps. No HTTP here."""
