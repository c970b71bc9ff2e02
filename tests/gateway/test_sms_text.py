from bot.text.sms_text import count_segments, is_gsm7, split_for_sms, to_gsm7


def test_plain_text_is_one_gsm_segment_up_to_160_characters():
    assert count_segments("a" * 160).segments == 1
    assert count_segments("a" * 161).segments == 2
    assert count_segments("a" * 306).segments == 2
    assert count_segments("a" * 307).segments == 3


def test_extended_characters_cost_two_septets():
    counted = count_segments("€" * 80)
    assert counted.encoding == "GSM-7" and counted.characters == 160 and counted.segments == 1
    assert count_segments("€" * 81).segments == 2


def test_one_emoji_switches_to_ucs2_and_shrinks_segments():
    counted = count_segments("Hello 😀" + "a" * 65)
    assert counted.encoding == "UCS-2"
    assert counted.segments == 2


def test_curly_quotes_and_emoji_are_normalised_for_sms():
    text = to_gsm7("It’s “great” – see you 😀…")
    assert text == "It's \"great\" - see you ..."
    assert is_gsm7(text)


def test_short_text_is_not_split():
    assert split_for_sms("Hello there.") == ["Hello there."]


def test_long_text_splits_at_sentence_ends_into_parts_of_at_most_three_segments():
    sentence = "This sentence is about forty characters. "
    text = sentence * 30  # about 1230 characters: more than three segments
    parts = split_for_sms(text, max_segments=3)
    assert len(parts) >= 3
    for part in parts:
        assert count_segments(part).segments <= 3
        assert part.endswith("characters.")  # never cut mid-sentence
    assert " ".join(p.replace("\n", " ") for p in parts).split() == text.split()


def test_letters_outside_gsm7_are_made_plain_never_dropped():
    assert to_gsm7("Łukasz from Gdańsk, Kraków") == "Lukasz from Gdansk, Krakow"
    assert to_gsm7("façade, Ærø, straße, œuvre") == "facade, Ærø, straße, oeuvre"
    assert to_gsm7("Ștefan Dvořák, Þóra") == "Stefan Dvorak, Thora"
    assert is_gsm7(to_gsm7("Łódź żółć ąęśćń ÂÊÎÔÛ âêîôû"))
    assert to_gsm7("Łódź żółć") == "Lodz zolc"


def test_gsm7_letters_stay_as_typed_even_when_typed_as_two_characters():
    assert to_gsm7("José, Muñoz, Müller") == "José, Muñoz, Müller"
    assert to_gsm7("Jose\u0301") == "José"  # e + combining accent, as some phones send it


def test_other_look_alikes_become_plain_and_invisible_characters_go():
    assert to_gsm7("«yes» 2×3 caf\u00e9\u200b \ufb01ne") == '"yes" 2x3 café fine'
