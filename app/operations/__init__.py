"""Operations on whole datasets: demonstration data, reference data, backups, counts, referral commands."""
