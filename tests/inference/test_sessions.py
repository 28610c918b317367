"""Model session options (issue 9: no busy-waiting threads)."""

from __future__ import annotations

from photocheck.inference import session_options


def test_session_options_do_not_spin_and_keep_thread_count() -> None:
    options = session_options(1)
    assert options.intra_op_num_threads == 1
    assert options.inter_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.get_session_config_entry("session.inter_op.allow_spinning") == "0"
    assert session_options().intra_op_num_threads == 0
