"""Question files cannot read, write or run anything through LaTeX or Markdown.

Two lines of defence, each tested on its own: the loader's whitelist of math
commands (a hostile file is refused before a key is written), and the
pdflatex sandbox (a hostile .tex that bypasses the loader still cannot read
a file outside its directory, write one, or run a program).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.keys.pdf import PdfError, compile_pdf
from symconv.keys.questions import QuestionFileError, load_assignment

SECRET = "SECRET-CONTENT-7f3a9c"

QUESTION = '''[assignment]
title = {title}

[[question]]
id = "q1"
kind = "layer"
text = {text}
note = {note}
layer = {{ type = "Conv2d", in_channels = 3, out_channels = 4, kernel_size = 3 }}
input = [3, 8, 8]
ask = ["params"]
'''


def question_file(tmp_path: Path, text: str = "How many parameters?", note: str = "A note.",
                  title: str = "Demo", name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(QUESTION.format(text=json.dumps(text), note=json.dumps(note),
                                    title=json.dumps(title)), encoding="utf-8")
    return path


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.tex"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


ATTACKS = [
    r"$\input{/etc/passwd}$",
    r"$\include{/etc/passwd}$",
    r"$\openin5=/etc/passwd$",
    r"$\immediate\openout5=pwned.tex$",
    r"$\immediate\write18{touch pwned}$",
    r"$\write18{id}$",
    r"$\read5 to \x$",
    r"$\csname input\endcsname{/etc/passwd}$",
    r"$\catcode`\@=11$",
    r"$\def\x{\input{/etc/passwd}}\x$",
    r"$\let\x\input$",
    r"$\special{dvi}$",
    r"$\usepackage{shellesc}$",
    r"$\makeatletter$",
    r"$^^5cinput{/etc/passwd}$",
    r"$\expandafter\input$",
    r"$\newcommand{\x}{1}$",
    r"$\begin{verbatim}x\end{verbatim}$",
    r"$x % comment to the end of the line$",
    r"$#1$",
    r"$\href{javascript:alert(1)}{x}$",
    r"$$\input{/etc/passwd}$$",
    r"**bold $\input{/etc/passwd}$**",
]


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("field", ["text", "note", "title"])
def test_unsafe_math_is_refused_at_load_time_naming_file_question_and_field(
        tmp_path, attack, field):
    path = question_file(tmp_path, **{field: attack})
    with pytest.raises(QuestionFileError) as info:
        load_assignment(path)
    message = str(info.value)
    assert str(path) in message
    if field == "title":
        assert "field 'assignment.title'" in message
    else:
        assert f"question 'q1', field '{field}'" in message


@pytest.mark.parametrize("field", ["section", "prose"])
def test_section_and_prose_are_checked_too(tmp_path, field):
    path = tmp_path / "demo.toml"
    path.write_text(QUESTION.format(text='"?"', note='"n"', title='"t"').replace(
        'note = "n"', f'note = "n"\n{field} = "$\\\\input{{/etc/passwd}}$"'), encoding="utf-8")
    with pytest.raises(QuestionFileError, match=rf"field '{field}': \\input is not allowed"):
        load_assignment(path)


def test_key_command_refuses_the_file_and_writes_nothing(tmp_path, capsys):
    path = question_file(tmp_path, text=r"Print $\input{/etc/passwd}$ please")
    out = tmp_path / "out"
    assert main(["key", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "question 'q1', field 'text'" in err[0] and r"\input" in err[0]
    assert not out.exists() or not any(out.iterdir())


def test_plain_text_backslashes_are_printed_not_run(tmp_path, pdflatex, secret):
    # Outside math the renderer escapes everything: the characters appear, nothing is read.
    path = question_file(tmp_path, text=f"Plain \\input{{{secret}}} and \\write18{{touch x}}")
    out = tmp_path / "out"
    assert main(["key", str(path), "-o", str(out), "--pdf", "--no-torch"]) == 0
    tex = (out / "demo.tex").read_text()
    assert r"\textbackslash{}input" in tex and f"\\input{{{secret}}}" not in tex
    text = subprocess.run(["pdftotext", str(out / "demo.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "input" in text and SECRET not in text
    assert not (out / "x").exists() and not (tmp_path / "x").exists()


HOSTILE_TEX = r"""\documentclass{article}
\begin{document}
%s
\end{document}
"""


def hostile(tmp_path: Path, body: str) -> Path:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    tex = out / "key.tex"
    tex.write_text(HOSTILE_TEX % body, encoding="utf-8")
    return tex


def test_sandbox_cannot_read_a_file_outside_its_directory(tmp_path, pdflatex, secret):
    tex = hostile(tmp_path, f"Here: \\input{{{secret}}}")
    with pytest.raises(PdfError) as info:
        compile_pdf(tex, source="hostile.toml")
    assert "hostile.toml" in str(info.value) and SECRET not in str(info.value)
    assert not tex.with_suffix(".pdf").exists()


def test_sandbox_cannot_read_through_a_relative_path(tmp_path, pdflatex, secret):
    tex = hostile(tmp_path, r"Here: \input{../secret.tex}")
    with pytest.raises(PdfError):
        compile_pdf(tex)


def test_sandbox_cannot_write_outside_and_leaves_nothing_behind(tmp_path, pdflatex):
    target = tmp_path / "written.tex"
    tex = hostile(tmp_path, f"\\immediate\\openout5={target}\\immediate\\write5{{x}}"
                            "\\immediate\\closeout5 done")
    with pytest.raises(PdfError, match="I can't write on file"):
        compile_pdf(tex)
    assert not target.exists()
    beside = hostile(tmp_path, r"\immediate\openout5=beside.tex\immediate\write5{x}"
                               r"\immediate\closeout5 done")
    pdf = compile_pdf(beside)  # writing inside its own temporary directory is allowed...
    assert pdf.is_file()
    assert sorted(p.name for p in beside.parent.iterdir()) == ["key.pdf", "key.tex"]  # ...and gone


def test_sandbox_runs_no_shell_command(tmp_path, pdflatex):
    marker = tmp_path / "pwned"
    tex = hostile(tmp_path, f"\\immediate\\write18{{touch {marker}}} done")
    compile_pdf(tex)
    assert not marker.exists()


def test_sandbox_stops_a_runaway_document(tmp_path, pdflatex):
    tex = hostile(tmp_path, r"\def\loop{\loop}\loop")  # expands forever in constant space
    with pytest.raises(PdfError, match="longer than 2 s"):
        compile_pdf(tex, source="slow.toml", time_limit=2)


def test_pdflatex_failure_names_the_question_file_question_and_error(tmp_path, pdflatex):
    # Whitelisted commands can still be wrong LaTeX: the error says where.
    path = question_file(tmp_path, text=r"A broken formula $x^$ here")
    out = tmp_path / "out"
    assert main(["key", str(path), "-o", str(out), "--no-torch"]) == 0
    with pytest.raises(PdfError) as info:
        compile_pdf(out / "demo.tex", source=path)
    message = str(info.value)
    assert str(path) in message and "question 'q1'" in message and "Missing" in message


def test_pdflatex_failure_is_one_line_from_the_cli(tmp_path, pdflatex, capsys):
    path = question_file(tmp_path, text=r"A broken formula $x^$ here")
    assert main(["key", str(path), "-o", str(tmp_path / "out"), "--pdf", "--no-torch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "question 'q1'" in err[0]


def test_markdown_escapes_raw_html(tmp_path, node_modules):
    path = question_file(tmp_path, text="Click <script>alert(1)</script> <img src=x onerror=y>",
                         note="</div><iframe src=//evil>", title="<b>T</b> & co")
    out = tmp_path / "out"
    assert main(["key", str(path), "-o", str(out), "--format", "md", "--no-torch"]) == 0
    md = (out / "demo.md").read_text()
    assert "<script" not in md and "<img" not in md and "<iframe" not in md and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    # An LMS renders Markdown with raw HTML allowed: still no element from the file.
    script = ("const md = require('markdown-it')({html: true});"
              "process.stdout.write(md.render(require('fs').readFileSync(0, 'utf8')));")
    html = subprocess.run(["node", "-e", script], input=md, capture_output=True, text=True,
                          check=True, env={"NODE_PATH": str(node_modules)}).stdout
    for tag in ("<script", "<img", "<iframe", "<b>"):
        assert tag not in html
    assert "&lt;script&gt;" in html


def test_markdown_keeps_math_comparisons(tmp_path):
    path = question_file(tmp_path, text="Valid when $k < h + 2p$ and $h > 0$")
    out = tmp_path / "out"
    assert main(["key", str(path), "-o", str(out), "--format", "md", "--no-torch"]) == 0
    assert "$k < h + 2p$ and $h > 0$" in (out / "demo.md").read_text()


def test_tag_like_comparisons_and_dollar_signs(tmp_path, node_modules, pdflatex):
    """``$a<b>c$`` is math, never an HTML element; ``\\$`` writes a dollar sign."""
    path = question_file(tmp_path, text=r"A GPU hour costs \$2 when $a<b>c$ holds. "
                         r"$<script>alert(1)</script>$")
    out = tmp_path / "out"
    assert main(["key", str(path), "-o", str(out), "--format", "md", "--no-torch"]) == 0
    md = (out / "demo.md").read_text()
    assert r"costs \$2 when $a< b>c$ holds" in md  # "<b" would open a tag in Markdown
    script = ("const md = require('markdown-it')({html: true});"
              "process.stdout.write(md.render(require('fs').readFileSync(0, 'utf8')));")
    html = subprocess.run(["node", "-e", script], input=md, capture_output=True, text=True,
                          check=True, env={"NODE_PATH": str(node_modules)}).stdout
    assert "<b>" not in html and "costs $2 when $a&lt; b&gt;c$" in html
    assert "<script" not in md and "<script" not in html  # math, shown as characters
    assert main(["key", str(path), "-o", str(out), "--no-torch", "--pdf"]) == 0
    assert r"costs \$2 when $a<b>c$ holds" in (out / "demo.tex").read_text()
    text = subprocess.run(["pdftotext", str(out / "demo.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "costs $2 when" in text


def test_network_row_names_cannot_carry_markup(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('''[assignment]
title = "n"
[[question]]
id = "n"
kind = "network"
text = "?"
input = [1, 8, 8]
ask = ["table"]
[question.network]
type = "Sequential"
layers = [{ type = "Conv2d", name = "$\\\\input{/etc/passwd}$", in_channels = 1, \
out_channels = 2, kernel_size = 3 }]
''', encoding="utf-8")
    with pytest.raises(QuestionFileError, match=r"field 'network.layers.name'"):
        load_assignment(path)


def test_output_symlink_is_refused_and_its_target_untouched(tmp_path, capsys):
    path = question_file(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (out / "demo.tex").symlink_to(victim)
    assert main(["key", str(path), "-o", str(out), "--no-torch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "symbolic link" in err[0]
    assert victim.read_text() == "precious" and (out / "demo.tex").is_symlink()


def test_pdf_copied_out_without_following_a_symlink(tmp_path, pdflatex):
    tex = hostile(tmp_path, "fine")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    tex.with_suffix(".pdf").symlink_to(victim)
    with pytest.raises(ValueError, match="symbolic link"):
        compile_pdf(tex)
    assert victim.read_text() == "precious"
