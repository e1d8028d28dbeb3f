"""The bAbI file format: reading, writing, `questions` and the one-line errors on malformed files."""

import pytest

from keras_models.memory import babi

REAL_STYLE = (
    "1 Mary moved to the bathroom.\n"
    "2 John went to the hallway.\n"
    "3 Where is Mary? \tbathroom\t1\n"
    "4 Daniel went back to the hallway.\n"
    "5 Sandra moved to the garden.\n"
    "6 Where is Daniel? \thallway\t4\n"
    "1 Mary got the milk there.\n"
    "2 John moved to the bedroom.\n"
    "3 Mary travelled to the hallway.\n"
    "4 What is Mary carrying? \tmilk,football\t1 3\n"
    "5 How do you go from the den to the kitchen? \tw,n\t2 3\n"
    "\n\n"
)


def _write(tmp_path, text, name="qa1_single-supporting-fact_train.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_read_accepts_a_file_in_the_real_babi_style(tmp_path):
    stories = babi.read(_write(tmp_path, REAL_STYLE))
    assert len(stories) == 2 and all(story.task == 1 for story in stories)
    first, second = stories
    assert first.lines[0] == babi.Line("Mary moved to the bathroom.")
    assert first.lines[2] == babi.Line("Where is Mary?", "bathroom", (1,))
    assert first.lines[2].is_question and not first.lines[0].is_question
    assert second.lines[3] == babi.Line("What is Mary carrying?", "milk,football", (1, 3))
    assert second.lines[4] == babi.Line("How do you go from the den to the kitchen?", "w,n", (2, 3))


def test_task_comes_from_the_file_name_or_the_argument(tmp_path):
    path = _write(tmp_path, REAL_STYLE, "qa17_positional-reasoning_test.txt")
    assert babi.read(path)[0].task == 17
    assert babi.read(path, task=3)[0].task == 3
    assert babi.read(_write(tmp_path, REAL_STYLE, "stories.txt"))[0].task == 0
    assert babi.parse(REAL_STYLE.splitlines(), task=5)[1].task == 5


def test_questions_index_the_statements_before_each_question():
    story = babi.parse(REAL_STYLE.splitlines())[1]
    first, second = babi.questions(story)
    assert first.story == (
        "Mary got the milk there.",
        "John moved to the bedroom.",
        "Mary travelled to the hallway.",
    )
    assert first.question == "What is Mary carrying?" and first.answer == "milk,football"
    assert first.supporting == (0, 2)
    # the question line 4 is not a memory: line 3 is still index 2 for the next question
    assert second.story == first.story and second.supporting == (1, 2)
    story = babi.parse(
        ["1 A went to the x.", "2 Where is A?\tx\t1", "3 B went to the y.", "4 Where is B?\ty\t3 1"]
    )[0]
    assert [qa.supporting for qa in babi.questions(story)] == [(0,), (1, 0)]  # file order kept
    assert [len(qa.story) for qa in babi.questions(story)] == [1, 2]


def test_write_then_read_gives_equal_stories(tmp_path):
    stories = babi.parse(REAL_STYLE.splitlines(), task=1)
    path = tmp_path / "qa1_single-supporting-fact_test.txt"
    babi.write(stories, path)
    assert babi.read(path) == stories
    text = path.read_text()
    assert text.startswith("1 Mary moved to the bathroom.\n2 John went to the hallway.\n")
    assert "3 Where is Mary?\tbathroom\t1\n" in text


@pytest.mark.parametrize(
    "text, line_number, words",
    [
        ("1 Mary moved to the bathroom.\nMary went to the hallway.\n", 2, "no line id"),
        (
            "1 Mary moved to the bathroom.\n2 John went home.\n4 Where is Mary?\tbathroom\t1\n",
            3,
            "does not follow",
        ),
        ("1 Mary moved to the bathroom.\n2 Where is Mary?\n", 2, "without an answer"),
        ("1 Mary moved to the bathroom.\n2 Where is Mary?\tbathroom\tone\n", 2, "not an integer"),
        ("1 Mary moved to the bathroom.\n2 Where is Mary?\tbathroom\t3\n", 2, "not an earlier statement"),
        ("1 Mary moved.\n2 Where is Mary?\tbathroom\t1\n3 Is it?\tno\t2\n", 3, "not an earlier statement"),
        (
            "1 Mary moved.\n2 Where is Mary?\tbathroom\t1\n1 John ran.\n2 Where?\tx\t1\n3 Why?\ty\t2\n",
            5,
            "earlier",
        ),
        ("1 Mary moved to the bathroom.\n2 Where is Mary?\t \t1\n", 2, "empty answer"),
        ("", 1, "no stories"),
        ("\n\n", 1, "no stories"),
        (b"1 Mary moved to the bathroom.\n2 Where is Mary?\tb\xe4throom\t1\n", 2, "not UTF-8"),
    ],
)
def test_malformed_files_raise_one_line_naming_the_line(tmp_path, text, line_number, words):
    path = _write(tmp_path, text)
    with pytest.raises(babi.BabiFormatError) as caught:
        babi.read(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line_number}: ")
    assert words in message


def test_parse_names_its_source_and_says_what_was_expected():
    with pytest.raises(
        babi.BabiFormatError, match=r"^beam://shard-3:2: line id 5 does not follow id 1; expected 2"
    ):
        babi.parse(["1 Mary moved to the bathroom.", "5 John went home."], source="beam://shard-3")
    with pytest.raises(ValueError, match=r"^<string>:1: no line id"):
        babi.parse(["Mary moved to the bathroom."])


def test_blank_lines_and_windows_line_ends_are_accepted(tmp_path):
    path = _write(tmp_path, REAL_STYLE.replace("\n", "\r\n"))
    assert babi.read(path) == babi.parse(REAL_STYLE.splitlines(), task=1)
