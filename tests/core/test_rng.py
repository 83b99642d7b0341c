"""The random stream: its published format, determinism and uniformity."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibo.core.rng import FORMAT_VERSION, Rng, commitment, verify_commitment

SEED = b"cibo known answer"


def chi_square_critical(df: int, z: float = 4.753) -> float:
    """Wilson–Hilferty approximation of the chi-square quantile for a one-sided z (1e-6 here)."""
    k = 2 / (9 * df)
    return df * (1 - k + z * math.sqrt(k)) ** 3


class TestCommitment:
    def test_is_the_hex_sha256_of_the_seed(self) -> None:
        assert commitment(SEED) == hashlib.sha256(SEED).hexdigest()
        assert (
            commitment(SEED) == "44bfe1016c20cfab2b1a863624d7abd04e968ebbc409ecc89f25c34e3c119b78"
        )

    def test_verifies_the_right_seed_in_any_case(self) -> None:
        commit = commitment(SEED)
        assert verify_commitment(SEED, commit)
        assert verify_commitment(SEED, commit.upper())

    def test_fails_on_another_seed_or_garbage(self) -> None:
        commit = commitment(SEED)
        assert not verify_commitment(b"another seed", commit)
        assert not verify_commitment(SEED, commit[:-1])
        assert not verify_commitment(SEED, "é" * 64)


class TestKnownAnswers:
    """Pinned outputs: if one changes, every published game log stops verifying."""

    def test_format_version(self) -> None:
        assert FORMAT_VERSION == 1

    def test_words(self) -> None:
        rng = Rng(SEED)
        assert [rng.word() for _ in range(3)] == [
            0xF4D058E78EDFDE35,
            0x3238AD4D1A461405,
            0x4F5C20C2855B48B2,
        ]
        assert rng.counter == 3

    def test_word_is_the_documented_hmac(self) -> None:
        rng = Rng(SEED, 12345)
        digest = hmac.new(SEED, (12345).to_bytes(8, "big"), hashlib.sha256).digest()
        assert rng.word() == int.from_bytes(digest[:8], "big")

    def test_dice(self) -> None:
        rng = Rng(SEED, 1000)
        assert [rng.die(6) for _ in range(12)] == [3, 4, 3, 6, 6, 1, 5, 6, 6, 5, 5, 1]
        assert rng.counter == 1012

    def test_below(self) -> None:
        rng = Rng(SEED, 3000)
        assert [rng.below(1000003) for _ in range(4)] == [672666, 397205, 888014, 237871]

    def test_shuffle(self) -> None:
        rng = Rng(SEED, 2000)
        assert rng.shuffle(range(10)) == (9, 7, 8, 0, 6, 4, 5, 2, 3, 1)
        assert rng.counter == 2009


class TestDeterminism:
    def test_same_seed_same_sequence(self) -> None:
        a, b = Rng(b"s"), Rng(b"s")
        assert [a.die(20) for _ in range(50)] == [b.die(20) for _ in range(50)]

    def test_other_seed_other_sequence(self) -> None:
        a, b = Rng(b"s"), Rng(b"t")
        assert [a.word() for _ in range(4)] != [b.word() for _ in range(4)]

    def test_a_cursor_resumes_from_its_counter(self) -> None:
        first = Rng(b"s")
        [first.word() for _ in range(7)]
        assert Rng(b"s", 7).word() == first.word()

    def test_counter_must_fit_64_bits(self) -> None:
        with pytest.raises(ValueError, match="counter"):
            Rng(b"s", -1)
        with pytest.raises(ValueError, match="counter"):
            Rng(b"s", 1 << 64)
        Rng(b"s", (1 << 64) - 1).word()

    def test_repr_does_not_show_the_seed(self) -> None:
        text = repr(Rng(b"very secret seed", 4))
        assert "secret" not in text
        assert commitment(b"very secret seed")[:8] in text
        assert "counter=4" in text


class ScriptedWords(Rng):
    """An Rng whose words come from a list, to test the sampling on chosen words."""

    def __init__(self, words: list[int]) -> None:
        super().__init__(b"")
        self.words = list(words)

    def word(self) -> int:
        self.counter += 1
        return self.words.pop(0)


class TestBelow:
    def test_below_one_is_zero_and_uses_one_word(self) -> None:
        rng = Rng(SEED)
        assert [rng.below(1) for _ in range(5)] == [0] * 5
        assert rng.counter == 5

    def test_rejects_words_at_or_above_the_last_full_multiple(self) -> None:
        n = (1 << 63) + 1  # almost half of all words are rejected
        limit = (1 << 64) - (1 << 64) % n
        rng = ScriptedWords([limit, (1 << 64) - 1, limit - 1])
        assert rng.below(n) == (limit - 1) % n
        assert rng.counter == 3

    def test_accepts_the_first_word_below_the_limit(self) -> None:
        rng = ScriptedWords([(1 << 64) - 2, 5])
        assert rng.below(3) == ((1 << 64) - 2) % 3
        assert rng.counter == 1

    def test_real_stream_rejects_about_half_for_a_huge_n(self) -> None:
        rng = Rng(SEED)
        n = (1 << 63) + 1
        for _ in range(200):
            assert 0 <= rng.below(n) < n
        assert 300 < rng.counter < 500

    def test_below_three_is_uniform(self) -> None:
        rng = Rng(b"uniform")
        draws = 6000
        counts = Counter(rng.below(3) for _ in range(draws))
        assert set(counts) == {0, 1, 2}
        expected = draws / 3
        stat = sum((counts[v] - expected) ** 2 / expected for v in range(3))
        assert stat < chi_square_critical(2)

    def test_rejects_bad_arguments(self) -> None:
        rng = Rng(SEED)
        with pytest.raises(ValueError):
            rng.below(0)
        with pytest.raises(ValueError):
            rng.below((1 << 64) + 1)
        with pytest.raises(ValueError):
            rng.die(0)
        assert rng.counter == 0

    @given(st.integers(min_value=1, max_value=1 << 64), st.integers(min_value=0, max_value=10**6))
    def test_always_in_range(self, n: int, counter: int) -> None:
        assert 0 <= Rng(b"range", counter).below(n) < n


class TestShuffle:
    @given(st.lists(st.integers(), max_size=30), st.integers(min_value=0, max_value=10**6))
    def test_is_a_permutation_and_leaves_the_input_alone(
        self, items: list[int], counter: int
    ) -> None:
        before = list(items)
        rng = Rng(b"shuffle", counter)
        shuffled = rng.shuffle(items)
        assert sorted(shuffled) == sorted(items)
        assert items == before
        assert rng.counter == counter + max(len(items) - 1, 0)

    def test_every_order_of_three_is_equally_likely(self) -> None:
        rng = Rng(b"orders")
        draws = 6000
        counts = Counter(rng.shuffle("abc") for _ in range(draws))
        assert len(counts) == 6
        expected = draws / 6
        stat = sum((c - expected) ** 2 / expected for c in counts.values())
        assert stat < chi_square_critical(5)
