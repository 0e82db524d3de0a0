"""The README renders as written: its sections are headings, not text inside a code block."""

from pathlib import Path

from markdown_it import MarkdownIt

README = Path(__file__).resolve().parents[2] / "README.md"
SECTIONS = [
    "What it does",
    "Configuration",
    "Operations",
    "Command line",
    "Connecting an identity provider (SCIM)",
    "Single sign-on",
    "Owners",
    "Alerts",
    "Performance",
    "Development",
]


def parse():
    """Return the README's text and its block tokens."""
    text = README.read_text(encoding="utf-8")
    return text, MarkdownIt("commonmark").parse(text)


def headings(tokens, level):
    """Return the text of the headings of one level, in order."""
    return [
        tokens[index + 1].content
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == f"h{level}"
    ]


def test_every_section_is_a_heading_outside_code_blocks():
    _, tokens = parse()

    found = headings(tokens, 2)

    assert [name for name in SECTIONS if name not in found] == []
    assert found.index("Command line") < found.index("Connecting an identity provider (SCIM)")


def test_every_code_fence_is_closed_where_it_was_meant_to_be():
    text, tokens = parse()
    fence_lines = [line for line in text.splitlines() if line.lstrip().startswith("```")]
    fences = [token for token in tokens if token.type == "fence"]

    # Each fence opens and closes on a line of its own: two fence lines per code block.
    assert len(fence_lines) == 2 * len(fences)
    assert not any("\n## " in "\n" + fence.content for fence in fences)


def test_the_readme_starts_with_make_run_and_make_test():
    _, tokens = parse()

    blocks = [token for token in tokens if token.type != "inline"]

    assert [token.type for token in blocks[:3]] == ["heading_open", "heading_close", "fence"]
    commands = blocks[2].content.splitlines()
    assert commands[0].startswith("make run") and commands[1].startswith("make test")
