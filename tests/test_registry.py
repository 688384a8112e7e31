import pytest

from pipelines.registry import UnknownZoneError, load_zones, zone_resolver


def test_catalogue_is_complete_and_keys_are_unique():
    zones = load_zones()
    assert len(zones) == 2543
    assert sum(z.level == "national" for z in zones) == 552
    codes = [z.zone_code for z in zones]
    assert len(codes) == len(set(codes))


def test_repeated_catalogue_code_keeps_both_zones():
    twins = {z.zone_code: z.zone_name for z in load_zones() if z.catalogue_code == "S377018"}
    assert twins == {"S377018-929": "山东淄川经济开发区", "S377018-932": "山东临淄经济开发区"}


def test_areas_regions_and_city_overrides():
    zone = next(z for z in load_zones() if z.zone_code == "S327069")
    assert zone.approved_area_ha == 250.01 and zone.approved_area_mu == pytest.approx(3750.15)
    assert zone.region == "east" and zone.city == "淮安"
    assert next(z for z in load_zones() if z.zone_code == "G511193").region == "west"
    assert next(z for z in load_zones() if z.zone_code == "G361149").region == "central"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("上饶经开区", "G361149"),
        ("淮阴经济开发区", "G321100"),  # former name
        ("淮安经开区", "G321100"),  # abbreviation also derivable from S327065's name: the alias list decides
        ("江苏淮安经济开发区", "S327065"),
        ("淮安经济开发区", "S327065"),  # without the province
        ("G322077", "G322077"),
        ("上饶经济技术开发区", "G361149"),
        (" 上饶经开区 ", "G361149"),
        ("山东临淄经济开发区", "S377018-932"),
    ],
)
def test_names_resolve_to_catalogue_codes(name, code):
    assert zone_resolver().resolve(name) == code


def test_unknown_zone_is_an_error_not_a_guess():
    with pytest.raises(UnknownZoneError, match="unknown zone '上饶新区'"):
        zone_resolver().resolve("上饶新区")


def test_ambiguous_derived_name_is_an_error():
    with pytest.raises(UnknownZoneError, match="ambiguous"):
        zone_resolver().resolve("呼伦贝尔经开区")  # a national and a provincial zone share this abbreviation
