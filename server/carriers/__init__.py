"""Carriers: who takes a sealed package away (our own vans, or a parcel company), the booking that
gives it a tracking number and maybe a label, and the registry of carriers by code. See docs/carriers.md."""

from server.carriers.protocol import Carrier, CarrierError, CarrierUnavailable, LabelFormat, Shipment, ShipmentRequest

__all__ = ["Carrier", "CarrierError", "CarrierUnavailable", "LabelFormat", "Shipment", "ShipmentRequest"]
