"""A question's main answer is never parsed as text: a layer name cannot run code.

Regression: ``Kind.expected`` called ``sp.sympify`` on a network table, whose row labels
hold the layer names of the question file; ``sympify`` evaluates text, so a crafted
name ran ``os.system`` when the question was graded against.
"""

from __future__ import annotations

import pytest

from symconv.keys.questions import QuestionFileError, load_assignment

FILE = '''
[assignment]
title = "E"

[[question]]
id = "t"
kind = "network"
text = "?"
input = [1, 8, 8]
ask = ["table", "params"]

[question.network]
type = "Sequential"
layers = [ {{ type = "Conv2d", in_channels = 1, out_channels = 1, kernel_size = 3, name = "{name}" }} ]
'''


def test_a_crafted_layer_name_in_a_table_answer_is_not_run(tmp_path):
    marker = tmp_path / "PWNED"
    name = f"__import__('os').system('touch {marker}') + 0*"
    path = tmp_path / "e.toml"
    path.write_text(FILE.format(name=name))
    q = load_assignment(path).question("t")
    with pytest.raises(QuestionFileError, match="no expression to grade against"):
        _ = q.expected
    assert not marker.exists()


def test_a_table_question_with_a_numeric_main_answer_grades_against_it(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text(FILE.format(name="conv").replace('ask = ["table", "params"]',
                                                     'ask = ["table", "params"]\n'
                                                     'answer = "params"'))
    assert load_assignment(path).question("t").expected == 10
