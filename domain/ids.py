"""Deterministic aggregate ids from natural keys, so a second import finds what the first made."""

from uuid import UUID, uuid5

# A fixed namespace for plantrail; changing it would orphan every stored stream.
PLANTRAIL_NAMESPACE = UUID("6f1e8a52-3c1b-5d7e-9a4f-2b8c0d9e1f30")


def normalise_key(text: str) -> str:
    """Case and spacing differences must not create a second aggregate."""
    return " ".join(text.split()).casefold()


def plan_id(plan_code: str) -> UUID:
    return uuid5(PLANTRAIL_NAMESPACE, "plan:" + normalise_key(plan_code))


def action_id(plan_code: str, action_code: str) -> UUID:
    return uuid5(
        PLANTRAIL_NAMESPACE,
        "action:" + normalise_key(plan_code) + "/" + normalise_key(action_code),
    )


def person_id(name: str) -> UUID:
    return uuid5(PLANTRAIL_NAMESPACE, "person:" + normalise_key(name))
