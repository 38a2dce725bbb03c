"""Standing guidance every notice carries, as catalogue message ids (translated at render).

Drawn from the advice ICRC and Ukrainian civil protection gave for evacuations in 2022:
documents and medicines first, one bag you can carry, nothing that makes a civilian look like
a combatant, and what to do at a checkpoint or under fire.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the gettext convention extractors look for)
    """Mark a message for the catalogue without translating it here."""
    return message


PRIORITY = N_(
    "Children with their carers, pregnant women, older people, people with disabilities, "
    "the sick and the wounded board first."
)

BRING = (
    N_("passport or other identity document, and the children's documents"),
    N_("medicines for at least three days, and prescriptions"),
    N_("water and food for one day"),
    N_("phone, charger and a little cash"),
    N_("warm clothes; one bag per person that you can carry yourself"),
)

DO_NOT_BRING = (
    N_("weapons, ammunition, military clothing or equipment"),
    N_("anything you cannot carry yourself"),
)

IF_STOPPED = (
    N_(
        "At a checkpoint: stay calm, keep your hands visible, do what you are told and show "
        "your documents."
    ),
    N_("Do not film or photograph checkpoints, soldiers or military equipment."),
    N_(
        "Under fire: stay in the vehicle unless told otherwise, get down below the windows and "
        "follow the convoy leader."
    ),
    N_("Call the hotline as soon as it is safe."),
)

#: Vehicle kinds the terms commonly name; any other kind is shown as written, with a warning.
VEHICLE_KINDS = {
    "bus": N_("bus"),
    "minibus": N_("minibus"),
    "ambulance": N_("ambulance"),
    "car": N_("car"),
    "truck": N_("truck"),
    "train": N_("train"),
}
