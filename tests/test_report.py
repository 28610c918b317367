from photocheck.report import Finding, Report, Status, Verdict, verdict_of


def _f(status: Status) -> Finding:
    return Finding(code="pose.yaw", check="pose", status=status)


def test_verdict_reject_beats_review_beats_accept():
    assert verdict_of([_f(Status.PASS), _f(Status.WARN), _f(Status.FAIL)]) is Verdict.REJECT
    assert verdict_of([_f(Status.PASS), _f(Status.NOT_ASSESSED)]) is Verdict.REVIEW
    assert verdict_of([_f(Status.PASS), _f(Status.WAIVED)]) is Verdict.ACCEPT
    assert verdict_of([]) is Verdict.ACCEPT


def test_report_json_rounds_numpy_values():
    import numpy as np

    report = Report("a.jpg", "online", "d", [], [Finding("pose.yaw", "pose", Status.FAIL,
                                                         np.float32(12.345678))],
                    face={"box": np.array([1, 2, 3, 4])})
    out = report.to_dict()
    assert out["verdict"] == "reject"
    assert out["findings"][0]["measured"] == 12.3457
    assert out["face"]["box"] == [1, 2, 3, 4]


def test_a_findings_json_carries_its_limit_as_the_message_gives_it():
    found = Finding("headwear.hat", "headwear", Status.FAIL, 0.994,
                    {"max": 0.155, "fail_max": 0.379}, unit="probability")
    assert found.limit_text == "≤ 0.155"
    assert found.to_dict()["limit_text"] == "≤ 0.155"
    assert _f(Status.NOT_ASSESSED).to_dict()["limit_text"] == "-"
