import re

from accounts import keys


def test_keys_carry_their_kind_at_least_128_bits_and_a_checksum():
    full, read_only = keys.generate(read_only=False), keys.generate(read_only=True)
    assert re.fullmatch(r"df_live_sk_[0-9A-Za-z]{38}", full)
    assert re.fullmatch(r"df_live_rk_[0-9A-Za-z]{38}", read_only)
    # 32 random base62 characters: log2(62**32) ≈ 190 bits
    assert keys.RANDOM_LENGTH * 5.95 >= 128
    assert keys.is_well_formed(full) and keys.is_well_formed(read_only)
    assert read_only.startswith(keys.READ_ONLY_PREFIX) and not full.startswith(keys.READ_ONLY_PREFIX)


def test_a_single_changed_character_fails_the_checksum():
    key = keys.generate(read_only=False)
    position = len(keys.FULL_PREFIX) + 5
    swapped = "B" if key[position] != "B" else "C"
    assert not keys.is_well_formed(key[:position] + swapped + key[position + 1 :])
    assert not keys.is_well_formed(key + "x")
    assert not keys.is_well_formed("df_live_xx_" + key[len(keys.FULL_PREFIX) :])


def test_keys_do_not_repeat_and_the_digest_is_sha256():
    generated = {keys.generate(read_only=False) for _ in range(500)}
    assert len(generated) == 500
    key = generated.pop()
    assert re.fullmatch(r"[0-9a-f]{64}", keys.digest(key))
    assert keys.display_prefix(key) == key[:15]
