"""Proof of delivery: photos and signatures uploaded by drivers' phones, apart from the sync ops that
name them, idempotently (the phone's id) and resumably (byte ranges)."""
