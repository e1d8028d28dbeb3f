"""The bAbI generator: round trips, determinism, file layout, and each task's answers re-derived by
small independent readers of the generated text (they share no code with the generator)."""

import re

import pytest

from keras_models.memory import babi
from keras_models.memory.babi import dataset

N = 200  # questions per task in the checks below

MOVE = r"(?:moved to|went to|journeyed to|travelled to|went back to|is in)"
PRONOUN_MOVE = re.compile(rf"(?:(?:After that|Following that|Then|Afterwards) )?(.+?) {MOVE} the (\w+)\.")
TAKE = re.compile(r"(\w+) (?:picked up|got|grabbed|took) the (\w+) there\.")
DROP = re.compile(r"(\w+) (?:dropped|discarded|put down|left) the (\w+)(?: there)?\.")
GIVE = re.compile(r"(\w+) (?:gave|handed|passed) the (\w+) to (\w+)\.")
STEP = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0)}
SIDE = {"to the left of": (-1, 0), "to the right of": (1, 0), "above": (0, 1), "below": (0, -1)}


@pytest.fixture(scope="module")
def stories():
    return {task: babi.generate(task, N, seed=7) for task in babi.IMPLEMENTED}


def _asked(story):
    """(statement ids so far, question line, its id) for every question of `story`."""
    for line_id, line in enumerate(story.lines, start=1):
        if line.is_question:
            yield line, line_id


def test_all_twenty_tasks_are_generated_with_exact_question_counts(stories):
    assert babi.IMPLEMENTED == tuple(range(1, 21))
    for task, generated in stories.items():
        assert sum(len(babi.questions(s)) for s in generated) == N
        assert all(s.task == task and s.lines[-1].is_question for s in generated)


def test_round_trip_through_files(stories, tmp_path):
    for task, generated in stories.items():
        path = tmp_path / dataset.file_name(task, "train")
        babi.write(generated, path)
        assert babi.read(path) == generated  # read() also checks every supporting id


def test_supporting_facts_are_earlier_statements_of_the_story(stories):
    for generated in stories.values():
        for story in generated:
            for line, line_id in _asked(story):
                assert line.supporting and all(0 < i < line_id for i in line.supporting)
                assert not any(story.lines[i - 1].is_question for i in line.supporting)
                assert line.answer and "\t" not in line.answer + line.text


def test_same_seed_same_text_other_seed_other_text():
    for task in babi.IMPLEMENTED:
        text = [babi.format_story(s) for s in babi.generate(task, 30, seed=3)]
        assert text == [babi.format_story(s) for s in babi.generate(task, 30, seed=3)]
        assert text != [babi.format_story(s) for s in babi.generate(task, 30, seed=4)]


def test_vocabulary_stays_small(stories):
    for task, generated in stories.items():
        words = {w for s in generated for line in s.lines for w in re.findall(r"[a-z]+", line.text.lower())}
        assert 10 < len(words) < 70, (task, sorted(words))


def test_write_dataset_file_names_and_counts(tmp_path, monkeypatch):
    counts = babi.write_dataset(tmp_path, "1k", tasks=(1, 19))
    assert counts == {
        "qa1_single-supporting-fact_train.txt": 1000,
        "qa1_single-supporting-fact_test.txt": 1000,
        "qa19_path-finding_train.txt": 1000,
        "qa19_path-finding_test.txt": 1000,
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(counts)
    for name, count in counts.items():
        read = babi.read(tmp_path / name)
        assert sum(len(babi.questions(s)) for s in read) == count and read[0].task == int(
            name[2:].split("_")[0]
        )
    train, test = (babi.read(tmp_path / f"qa1_single-supporting-fact_{s}.txt") for s in ("train", "test"))
    assert train != test and train == babi.generate(1, 1000, seed=0)
    assert babi.SIZES == {"1k": (1000, 1000), "10k": (10000, 1000)}
    monkeypatch.setitem(dataset.SIZES, "10k", (40, 4))
    assert set(babi.write_dataset(tmp_path / "big", "10k", tasks=(3,)).values()) == {40, 4}
    with pytest.raises(ValueError, match="size"):
        babi.write_dataset(tmp_path, "100k")
    with pytest.raises(ValueError, match="task"):
        babi.generate(21, 10)


# --- each task's answers, re-derived -------------------------------------------------------------


def test_where_and_yes_no_tasks(stories):
    """Tasks 1, 6, 11, 12, 13: where each person is, from moves, pronouns and pairs."""
    for task in (1, 6, 11, 12, 13):
        for story in stories[task]:
            where, previous = {}, []
            for line_id, line in enumerate(story.lines, start=1):
                if line.is_question:
                    match = re.fullmatch(r"Where is (\w+)\?|Is (\w+) in the (\w+)\?", line.text)
                    who = match.group(1) or match.group(2)
                    place, said = where[who]
                    expected = place if match.group(1) else ("yes" if place == match.group(3) else "no")
                    assert line.answer == expected and said in line.supporting, (task, line)
                    continue
                if TAKE.fullmatch(line.text) or DROP.fullmatch(line.text):
                    continue
                who, place = PRONOUN_MOVE.fullmatch(line.text).groups()
                people = previous if who in ("he", "she", "they") else who.split(" and ")
                where.update({person: (place, line_id) for person in people})
                previous = people


def _objects(story):
    """Tasks 2, 3, 7, 8: follow people and objects; yields (question, answer the reader derives)."""
    where, holder, lying, trail, got = {}, {}, {}, {}, {}
    for line_id, line in enumerate(story.lines, start=1):
        text = line.text
        if line.is_question:
            if m := re.fullmatch(r"Where is the (\w+)\?", text):
                obj = m.group(1)
                yield line, where[holder[obj]] if obj in holder else lying[obj]
            elif m := re.fullmatch(r"Where was the (\w+) before the (\w+)\?", text):
                places = trail[m.group(1)]
                assert places.count(m.group(2)) == 1
                yield line, places[places.index(m.group(2)) - 1]
            else:
                who = re.fullmatch(r"(?:How many objects|What) is (\w+) carrying\?", text).group(1)
                held = sorted((got[o], o) for o, w in holder.items() if w == who)
                if text.startswith("How many"):
                    yield line, ("none", "one", "two", "three")[len(held)]
                else:
                    yield line, ",".join(o for _, o in held) or "nothing"
        elif m := TAKE.fullmatch(text):
            who, obj = m.groups()
            assert obj not in holder and lying.get(obj, where[who]) == where[who]
            holder[obj], got[obj] = who, line_id
            lying.pop(obj, None)
            if trail.setdefault(obj, [])[-1:] != [where[who]]:
                trail[obj].append(where[who])
        elif m := DROP.fullmatch(text):
            who, obj = m.groups()
            assert holder.pop(obj) == who
            lying[obj] = where[who]
        elif m := GIVE.fullmatch(text):
            giver, obj, receiver = m.groups()
            assert holder[obj] == giver and where[giver] == where[receiver]
            holder[obj], got[obj] = receiver, line_id
        else:
            who, place = re.fullmatch(rf"(\w+) {MOVE} the (\w+)\.", text).groups()
            where[who] = place
            for obj in [o for o, w in holder.items() if w == who]:
                trail[obj].append(place)


def test_object_tasks(stories):
    for task in (2, 3, 7, 8):
        for story in stories[task]:
            for line, expected in _objects(story):
                assert line.answer == expected, (task, line)
            assert len({len(line.supporting) for line, _ in _asked(story)} - {1, 2, 3, 4}) == 0
    assert {len(line.supporting) for s in stories[2] for line, _ in _asked(s)} == {2}


def test_three_arg_relations(stories):
    for story in stories[5]:
        gives = []
        for line_id, line in enumerate(story.lines, start=1):
            if not line.is_question:
                if m := GIVE.fullmatch(line.text):
                    gives.append((*m.groups(), line_id))
                continue
            forms = {
                r"Who gave the (\w+) to (\w+)\?": lambda g, o, r, a, b: (o, r) == (a, b) and g,
                r"Who did (\w+) give the (\w+) to\?": lambda g, o, r, a, b: (g, o) == (a, b) and r,
                r"What did (\w+) give to (\w+)\?": lambda g, o, r, a, b: (g, r) == (a, b) and o,
                r"Who received the (\w+)\?()": lambda g, o, r, a, b: o == a and r,
                r"Who gave the (\w+)\?()": lambda g, o, r, a, b: o == a and g,
            }
            for form, answer in forms.items():
                if m := re.fullmatch(form, line.text):
                    answers = {answer(g, o, r, *m.groups()): fid for g, o, r, fid in gives}  # the latest
                    answers.pop(False, None)
                    assert set(answers) == {line.answer} and line.supporting == (answers[line.answer],)


def test_negation_and_indefinite_knowledge(stories):
    for task in (9, 10):
        for story in stories[task]:
            last = {}
            for line_id, line in enumerate(story.lines, start=1):
                if line.is_question:
                    who, place = re.fullmatch(r"Is (\w+) in the (\w+)\?", line.text).groups()
                    places, negated, said = last[who]
                    if negated:
                        assert place in places and line.answer == "no"
                    elif place not in places:
                        assert line.answer == "no"
                    else:
                        assert line.answer == ("yes" if len(places) == 1 else "maybe")
                    assert line.supporting == (said,)
                elif m := re.fullmatch(r"(\w+) is either in the (\w+) or the (\w+)\.", line.text):
                    last[m.group(1)] = (m.group(2, 3), False, line_id)
                elif m := re.fullmatch(r"(\w+) is (?:not|no longer) in the (\w+)\.", line.text):
                    last[m.group(1)] = ((m.group(2),), True, line_id)
                else:
                    who, place = re.fullmatch(rf"(\w+) {MOVE} the (\w+)\.", line.text).groups()
                    last[who] = ((place,), False, line_id)


def test_time_reasoning(stories):
    slots = ("yesterday", "this morning", "this afternoon", "this evening")
    for story in stories[14]:
        at = {}
        for line_id, line in enumerate(story.lines, start=1):
            if line.is_question:
                who, place = re.fullmatch(r"Where was (\w+) before the (\w+)\?", line.text).groups()
                (slot,) = [s for (w, s), (p, _) in at.items() if (w, p) == (who, place)]
                before, said = at[who, slot - 1]
                assert line.answer == before and line.supporting == tuple(sorted((said, at[who, slot][1])))
                continue
            m = re.fullmatch(
                rf"(?:(\w+ ?\w*) )?(Bill|Fred|Julie|Mary) {MOVE} the (\w+)(?: (.+))?\.", line.text
            )
            (when,) = {m.group(1), m.group(4)} - {None}
            at[m.group(2), slots.index(when.lower())] = (m.group(3), line_id)


def test_deduction_induction_and_motivations(stories):
    singular = {"mice": "mouse", "sheep": "sheep", "wolves": "wolf", "cats": "cat"}
    for story in stories[15]:
        facts = {}
        for line_id, line in enumerate(story.lines, start=1):
            if m := re.fullmatch(r"(\w+) are afraid of (\w+)\.", line.text):
                facts[singular[m.group(1).lower()]] = (singular[m.group(2)], line_id)
            elif m := re.fullmatch(r"(\w+) is an? (\w+)\.", line.text):
                facts[m.group(1)] = (m.group(2), line_id)
            elif line.is_question:
                kind, said = facts[re.fullmatch(r"What is (\w+) afraid of\?", line.text).group(1)]
                assert line.answer == facts[kind][0] and line.supporting == tuple(
                    sorted((said, facts[kind][1]))
                )
    for story in stories[16]:
        kinds = {
            m.group(1): m.group(2) for x in story.lines if (m := re.fullmatch(r"(\w+) is a (\w+)\.", x.text))
        }
        hues = {
            m.group(1): m.group(2) for x in story.lines if (m := re.fullmatch(r"(\w+) is (\w+)\.", x.text))
        }
        question = story.lines[-1]
        target = re.fullmatch(r"What color is (\w+)\?", question.text).group(1)
        assert target not in hues and len(question.supporting) == 3
        assert {hues[n] for n in hues if kinds.get(n) == kinds[target]} == {question.answer}
    needs = {"hungry": "kitchen", "thirsty": "kitchen", "bored": "garden", "tired": "bedroom"}
    for story in stories[20]:
        motive = {}
        for line_id, line in enumerate(story.lines, start=1):
            if m := re.fullmatch(r"(\w+) is (\w+)\.", line.text):
                motive[m.group(1)] = (m.group(2), line_id)
            elif m := re.fullmatch(r"Where will (\w+) go\?", line.text):
                assert line.answer == needs[motive[m.group(1)][0]]
            elif m := re.fullmatch(r"Why did (\w+) (?:go to|get) the (\w+)\?", line.text):
                assert line.answer == motive[m.group(1)][0]
            if line.is_question:
                assert line.supporting == (motive[line.text.split()[2]][1],)


def test_spatial_tasks(stories):
    fact = re.compile(
        r"The (.+) is (north|south|east|west|to the left|to the right|above|below)(?: of)? the (.+)\."
    )
    for task in (4, 17, 19):
        for story in stories[task]:
            edges = {}  # (thing, other) -> (step from other to thing, id)
            for line_id, line in enumerate(story.lines, start=1):
                if not line.is_question:
                    a, relation, b = fact.fullmatch(line.text).groups()
                    dx, dy = {**STEP, **{k.replace(" of", ""): v for k, v in SIDE.items()}}[relation]
                    edges[a, b], edges[b, a] = ((dx, dy), line_id), ((-dx, -dy), line_id)
                    continue
                if task == 4:
                    m = re.fullmatch(r"What is (\w+) of the (\w+)\?|What is the (\w+) (\w+) of\?", line.text)
                    if m.group(1):  # "What is north of the Y?": the X with X north of Y
                        found = [
                            (a, i)
                            for (a, b), (s, i) in edges.items()
                            if (b, s) == (m.group(2), STEP[m.group(1)])
                        ]
                    else:  # "What is the X north of?": the Y with X north of Y
                        found = [
                            (b, i)
                            for (a, b), (s, i) in edges.items()
                            if (a, s) == (m.group(3), STEP[m.group(4)])
                        ]
                    assert found == [(line.answer, line.supporting[0])]
                elif task == 17:
                    m = re.fullmatch(
                        r"Is the (.+?) (to the left of|to the right of|above|below) the (.+)\?", line.text
                    )
                    x, side, y = m.groups()
                    (middle,) = {b for (a, b) in edges if a == x and (b, y) in edges}
                    d = [sum(v) for v in zip(edges[x, middle][0], edges[middle, y][0])]
                    dot = d[0] * SIDE[side][0] + d[1] * SIDE[side][1]
                    assert line.answer == ("yes" if dot > 0 else "no") and d != [0, 0]
                else:
                    start, goal = re.fullmatch(
                        r"How do you go from the (\w+) to the (\w+)\?", line.text
                    ).groups()
                    routes = [m for (a, m) in edges if a == start and (m, goal) in edges]
                    assert len(routes) == 1 and (start, goal) not in edges
                    letters = {v: k[0] for k, v in STEP.items()}
                    steps = [edges[routes[0], start][0], edges[goal, routes[0]][0]]
                    assert line.answer == ",".join(letters[s] for s in steps)


def test_size_reasoning_follows_the_chain(stories):
    for story in stories[18]:
        smaller = set()  # (a, b): a fits in b
        for line in story.lines:
            if m := re.fullmatch(r"The (.+) fits inside the (.+)\.", line.text):
                smaller.add(m.groups())
            elif m := re.fullmatch(r"The (.+) is bigger than the (.+)\.", line.text):
                smaller.add(m.groups()[::-1])
            elif line.is_question:
                closure = set(smaller)
                while extra := {(a, d) for a, b in closure for c, d in closure if b == c} - closure:
                    closure |= extra
                if m := re.fullmatch(r"Does the (.+) fit in the (.+)\?", line.text):
                    a, b = m.groups()
                else:
                    b, a = re.fullmatch(r"Is the (.+) bigger than the (.+)\?", line.text).groups()
                assert ((a, b) in closure) != ((b, a) in closure)
                assert line.answer == ("yes" if (a, b) in closure else "no")
                assert 1 <= len(line.supporting) <= 2
