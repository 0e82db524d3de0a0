"""Natural sort keys: numbers inside names compare by value."""

from seat_core.identity import natural_key


def test_natural_keys_order_numbers_by_value():
    names = ["user10", "user3", "user 2b", "user 2", "user003", "a", "user1000", "user99"]

    ordered = sorted(names, key=lambda name: (natural_key(name), name))

    assert ordered == ["a", "user 2", "user 2b", "user003", "user3", "user10", "user99", "user1000"]


def test_a_natural_key_keeps_the_text_around_the_numbers():
    assert natural_key("room-0042.b7") == "room-00242.b0017"
    assert natural_key("no digits") == "no digits"
    assert natural_key("000") == "0010"
