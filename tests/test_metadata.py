"""Parsing metadata facts: EXIF, XMP, Photoshop IRB, comments, quantisation tables, dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from photocheck import metadata
from photocheck.context import PhotoContext
from photocheck.measures.jpeg import IJG_LUMA
from photocheck.profiles import load_profile
from tests.filefixtures import (
    encode,
    insert_segments,
    irb_segment,
    scene,
    segment,
    thumb_of,
    version_info,
    with_exif,
    xmp_segment,
)
from tests.helpers import make_jpeg

T0 = dt.datetime(2025, 3, 14, 9, 26, 53)


def test_exif_software_dates_and_make() -> None:
    data = with_exif(make_jpeg(200, 200), software="GIMP 2.10.30", original=T0,
                     modified=T0 + dt.timedelta(days=2), offset="+09:00")
    facts = metadata.parse_metadata(data)
    assert facts.has_exif and facts.make == "Canon" and facts.model == "EOS"
    assert facts.software == ("GIMP 2.10.30",)
    assert facts.datetime_original == T0.replace(tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert facts.capture_source == "exif"
    assert facts.datetime_modified == T0 + dt.timedelta(days=2)


def test_no_metadata_at_all() -> None:
    facts = metadata.parse_metadata(make_jpeg(100, 100))
    assert not facts.has_exif and not facts.has_xmp
    assert facts.datetime_original is None and facts.software == ()
    assert facts.problems == ()


def test_xmp_creator_tool_history_and_camera_raw() -> None:
    body = (
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        'xmp:CreatorTool="Adobe Photoshop Lightroom 6.5.1 (Macintosh)" '
        'crs:Version="9.5" crs:Exposure2012="+0.35" '
        'exif:DateTimeOriginal="2016-05-25T20:51:31.00+02:00">'
        "<xmpMM:History><rdf:Seq>"
        '<rdf:li stEvt:action="saved" stEvt:softwareAgent="Adobe Photoshop CC 2017 (Windows)"/>'
        "<rdf:li><stEvt:softwareAgent>Adobe Bridge CC</stEvt:softwareAgent></rdf:li>"
        "</rdf:Seq></xmpMM:History></rdf:Description>"
    )
    facts = metadata.parse_metadata(insert_segments(make_jpeg(100, 100), xmp_segment(body)))
    assert facts.has_xmp
    assert facts.xmp_creator_tools == ("Adobe Photoshop Lightroom 6.5.1 (Macintosh)",)
    assert facts.xmp_history_agents == ("Adobe Photoshop CC 2017 (Windows)", "Adobe Bridge CC")
    assert facts.camera_raw_settings == ("Exposure2012", "Version")
    # no EXIF date: the XMP one is used, with its offset
    assert facts.capture_source == "xmp"
    assert facts.datetime_original == dt.datetime(2016, 5, 25, 20, 51, 31,
                                                  tzinfo=dt.timezone(dt.timedelta(hours=2)))


def test_xmp_creator_tool_as_element() -> None:
    body = ('<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
            "<xmp:CreatorTool>GIMP 2.10</xmp:CreatorTool></rdf:Description>")
    facts = metadata.parse_metadata(insert_segments(make_jpeg(80, 80), xmp_segment(body)))
    assert facts.xmp_creator_tools == ("GIMP 2.10",)
    assert facts.camera_raw_settings == ()
    single = "<rdf:Description xmp:CreatorTool='Pixelmator Pro 3.0'/>"
    facts = metadata.parse_metadata(insert_segments(make_jpeg(80, 80), xmp_segment(single)))
    assert facts.xmp_creator_tools == ("Pixelmator Pro 3.0",)


def test_photoshop_irb_ids_and_writer() -> None:
    data = insert_segments(make_jpeg(100, 100),
                           irb_segment((0x0404, b"\x1c\x02\x00\x00\x02\x00\x04"),
                                       (0x0421, version_info("Adobe Photoshop")),
                                       (0x0406, b"\x00\x0c\x00\x01\x00\x01\x00")))
    facts = metadata.parse_metadata(data)
    assert facts.irb_resources == (0x0404, 0x0421, 0x0406)
    assert facts.irb_writer == "Adobe Photoshop"


def test_iptc_only_irb_has_no_writer() -> None:
    data = insert_segments(make_jpeg(100, 100), irb_segment((0x0404, b"\x1c\x02\x00\x00\x00")))
    facts = metadata.parse_metadata(data)
    assert facts.irb_resources == (0x0404,) and facts.irb_writer is None


def test_comments_are_text() -> None:
    gd = b"CREATOR: gd-jpeg v1.0 (using IJG JPEG v62), quality = 90\n"
    data = insert_segments(make_jpeg(100, 100), segment(0xFE, gd),
                           segment(0xFE, b"File written by Adobe Photoshop\xa8 4.0\x00"))
    facts = metadata.parse_metadata(data)
    assert facts.comments == ("CREATOR: gd-jpeg v1.0 (using IJG JPEG v62), quality = 90",
                              "File written by Adobe Photoshop¨ 4.0")


def test_png_and_gif_comments_via_container() -> None:
    gif = encode(scene(64, 64), "GIF", comment=b"made with GIMP")
    assert metadata.parse_metadata(gif).comments == ("made with GIMP",)
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "paint.net 4.2")
    png = encode(scene(64, 64), "PNG", pnginfo=info)
    assert metadata.parse_metadata(png).software == ("paint.net 4.2",)


def test_ijg_quality_from_quant_tables() -> None:
    for quality in (50, 75, 90, 95):
        facts = metadata.parse_metadata(make_jpeg(64, 64, quality=quality))
        assert facts.ijg_quality == quality
        assert facts.luma_quant is not None and len(facts.luma_quant) == 64
    table = np.array(metadata.parse_metadata(make_jpeg(64, 64, quality=50)).luma_quant)
    assert table[0] == 16 and table[1] == 11  # the standard table itself at quality 50


def test_ijg_quality_is_the_highest_quality_whose_table_matches() -> None:
    def one_by_one(table: np.ndarray) -> int | None:  # libjpeg's scaling, quality 100 down
        for q in range(100, 0, -1):
            scale = 5000 // q if q < 50 else 200 - 2 * q
            if np.array_equal(np.clip((IJG_LUMA * scale + 50) // 100, 1, 255), table):
                return q
        return None

    for q in range(1, 101):
        scale = 5000 // q if q < 50 else 200 - 2 * q
        table = np.clip((IJG_LUMA * scale + 50) // 100, 1, 255)
        assert metadata.ijg_quality(table) == one_by_one(table)
    assert metadata.ijg_quality(np.clip((IJG_LUMA * 2 + 50) // 100, 1, 255)) == 99
    assert metadata.ijg_quality(np.ones(64, np.int64)) == 100  # every entry clipped to 1
    phone = np.clip((IJG_LUMA * 7 + 50) // 100, 1, 255)
    phone[10] += 1  # a table of its own
    assert metadata.ijg_quality(phone) is None
    assert metadata.ijg_quality(np.ones(63, np.int64)) is None


def test_exif_thumbnail_is_extracted_and_decoded() -> None:
    rgb = scene(800, 600)
    data = with_exif(encode(rgb, quality=90), thumbnail=thumb_of(rgb))
    facts = metadata.parse_metadata(data)
    assert facts.thumbnail is not None and facts.thumbnail[:2] == b"\xff\xd8"
    thumb = metadata.decode_thumbnail(facts.thumbnail, 1)
    assert thumb.shape == (120, 160)
    assert metadata.decode_thumbnail(facts.thumbnail, 6).shape == (160, 120)
    assert metadata.decode_thumbnail(b"\xff\xd8garbage", 1) is None


def test_parse_datetime_variants() -> None:
    assert metadata.parse_datetime("2019:06:09 12:57:32") == dt.datetime(2019, 6, 9, 12, 57, 32)
    assert metadata.parse_datetime("2018-01-22T19:58:36-05:00") == dt.datetime(
        2018, 1, 22, 19, 58, 36, tzinfo=dt.timezone(-dt.timedelta(hours=5)))
    assert metadata.parse_datetime("2019:06:09 12:57:32", "+09:00").utcoffset() == dt.timedelta(
        hours=9)
    assert metadata.parse_datetime("0000:00:00 00:00:00") is None
    assert metadata.parse_datetime("    :  :     :  :  ") is None
    assert metadata.parse_datetime("2019:13:40 99:00:00") is None
    assert metadata.parse_offset("+25:00") is None and metadata.parse_offset("Z") == dt.UTC


def test_garbage_exif_never_crashes() -> None:
    junk = segment(0xE1, b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + bytes(range(256)) * 3)
    facts = metadata.parse_metadata(insert_segments(make_jpeg(64, 64), junk))
    assert facts.datetime_original is None and facts.software == ()


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=0, max_size=600))
def test_random_metadata_segments_never_crash(blob: bytes) -> None:
    base = make_jpeg(32, 32, noise=False)
    for seg in (segment(0xE1, b"Exif\x00\x00II*\x00" + blob),
                segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + blob),
                segment(0xED, b"Photoshop 3.0\x008BIM" + blob),
                segment(0xFE, blob)):
        facts = metadata.parse_metadata(insert_segments(base, seg))
        assert facts.container == "jpeg"


def test_metadata_facts_is_an_intermediate_parsed_once() -> None:
    ctx = PhotoContext(data=with_exif(make_jpeg(64, 64), software="x"), source="t",
                       profile=load_profile("online"))
    first = metadata.metadata_facts(ctx)
    assert metadata.metadata_facts(ctx) is first
    assert "metadata_facts" in ctx.timings_ms


def test_heic_exif_is_read_without_decoding() -> None:
    # exifread reads EXIF from HEIF containers; a bare ftyp header has none and must not crash
    from tests.filefixtures import HEIC_HEADER

    facts = metadata.parse_metadata(HEIC_HEADER)
    assert facts.container == "heic" and facts.datetime_original is None
