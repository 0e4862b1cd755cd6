"""The public parcel tracking page, by the unguessable token printed on labels and slips."""
