"""bAbI tasks about where people and things are: 1, 2, 3, 5, 6, 7 and 8.

Each generator tells one story in a `World` and returns its `StoryBuilder` with at most
`max_questions` questions (bAbI asks about five per story). A question is asked only when the
statements above it determine the answer, and its supporting ids are those statements.
"""

from keras_models.memory.babi.world import ACTORS, OBJECTS, PLACES, StoryBuilder, World, pick

NUMBERS = ("none", "one", "two", "three")
GIVERS = ("Bill", "Fred", "Jeff", "Mary")  # task 5's cast, as in bAbI


def single_supporting_fact(rng, max_questions):
    """Task 1: two moves, then "Where is Mary?" (answered by Mary's last move), five times."""
    builder = StoryBuilder()
    world = World(builder, rng)
    for _ in range(min(5, max_questions)):
        for _ in range(2):
            world.move(pick(rng, ACTORS))
        actor = builder.subject(rng, list(world.where), world.mentioned[-2:])
        place, fid = world.where[actor]
        builder.ask(f"Where is {actor}?", place, (fid,))
    return builder


def two_supporting_facts(rng, max_questions):
    """Task 2: people move, pick up and drop things; "Where is the milk?" needs who holds it and where
    they went (or where it was dropped)."""
    builder = StoryBuilder()
    world = World(builder, rng)
    target = min(int(rng.integers(1, 6)), max_questions)
    while builder.num_questions < target and len(builder.lines) < 80:
        for _ in range(int(rng.integers(2, 6))):
            world.random_action((0.5, 0.35, 0.15, 0.0))
        known = [obj for obj in OBJECTS if world.location_of(obj)]
        if known:
            obj = builder.subject(rng, known)
            place, ids = world.location_of(obj)
            builder.ask(f"Where is the {obj}?", place, ids)
    return builder


def three_supporting_facts(rng, max_questions):
    """Task 3: "Where was the apple before the kitchen?": who carried it there, from where."""
    builder = StoryBuilder()
    world = World(builder, rng)
    target = min(int(rng.integers(1, 6)), max_questions)
    asked = set()
    while builder.num_questions < target and len(builder.lines) < 150:
        for _ in range(int(rng.integers(3, 9))):
            world.random_action((0.55, 0.3, 0.15, 0.0))
        candidates = []
        for obj in OBJECTS:
            visited = [place for place, _ in world.history[obj]]
            for i in range(1, len(visited)):
                if visited.count(visited[i]) == 1 and (obj, visited[i]) not in asked:
                    candidates.append((obj, i))
        if candidates:
            obj, i = pick(rng, candidates)
            (before, ids_before), (place, ids) = world.history[obj][i - 1 : i + 1]
            asked.add((obj, place))
            builder.ask(f"Where was the {obj} before the {place}?", before, ids_before + ids)
    return builder


def _give_something(world, rng):
    """Someone who holds an object gives it to someone else (first taking one when nobody holds any)."""
    holders = [actor for actor in world.actors if world.held_by(actor)]
    if not holders:
        actor = pick(rng, world.actors)
        free = [obj for obj in world.objects if obj not in world.holder]
        obj = pick(rng, free)
        if obj in world.lying:
            world.move(actor, world.lying[obj][0])
        elif actor not in world.where:
            world.move(actor)
        world.take(actor, obj)
        holders = [actor]
    giver = pick(rng, holders)
    receiver = pick(rng, [a for a in world.actors if a != giver])
    return world.give(giver, pick(rng, world.held_by(giver)), receiver)


def _give_questions(gives):
    """The questions about the hand-overs in `gives` whose answer no other hand-over contradicts."""
    forms = (
        ("Who gave the {o} to {r}?", lambda g, o, r: (o, r), 0),
        ("Who did {g} give the {o} to?", lambda g, o, r: (g, o), 2),
        ("What did {g} give to {r}?", lambda g, o, r: (g, r), 1),
        ("Who received the {o}?", lambda g, o, r: (o,), 2),
        ("Who gave the {o}?", lambda g, o, r: (o,), 0),
    )
    for event in reversed(gives):
        found = []
        for form, key, answer_at in forms:
            matching = [e for e in gives if key(*e[:3]) == key(*event[:3])]
            if len({e[answer_at] for e in matching}) == 1:
                g, o, r, fid = event
                found.append((form.format(g=g, o=o, r=r), event[answer_at], fid))
        if found:
            return found
    return []


def three_arg_relations(rng, max_questions):
    """Task 5: "Fred gave the football to Jeff." - "Who gave the football to Jeff?", "What did Fred
    give to Jeff?", "Who received the football?" (answers no other hand-over in the story contradicts)."""
    builder = StoryBuilder()
    world = World(builder, rng, actors=GIVERS)
    asked = set()
    target = min(5, max_questions)
    while builder.num_questions < target and len(builder.lines) < 80:
        for _ in range(int(rng.integers(1, 4))):
            world.random_action((0.5, 0.3, 0.2, 0.0))
        _give_something(world, rng)
        found = [q for q in _give_questions(world.gives) if q[0] not in asked]
        if found:
            question, answer, fid = pick(rng, found)
            asked.add(question)
            builder.ask(question, answer, (fid,))
    return builder


def yes_no_questions(rng, max_questions):
    """Task 6: "Is John in the playground?" yes or no, from John's last move."""
    builder = StoryBuilder()
    world = World(builder, rng)
    for _ in range(min(5, max_questions)):
        for _ in range(2):
            world.random_action((0.8, 0.12, 0.08, 0.0))
        actor = builder.subject(rng, list(world.where), world.mentioned[-2:])
        place, fid = world.where[actor]
        if rng.random() < 0.5:
            place = pick(rng, [p for p in PLACES if p != place])
        builder.ask(f"Is {actor} in the {place}?", "yes" if place == world.where[actor][0] else "no", (fid,))
    return builder


def _holding_story(rng, max_questions, ask):
    """Tasks 7 and 8: people take, drop and hand over things; `ask(world, actor)` asks about one of
    them, supported by the last statement about each object that actor touched."""
    builder = StoryBuilder()
    world = World(builder, rng)
    target = min(5, max_questions)
    while builder.num_questions < target and len(builder.lines) < 80:
        steps = int(rng.integers(1, 4))
        for _ in range(steps):
            world.random_action((0.3, 0.4, 0.2, 0.1))
        asked_about = [actor for actor in ACTORS if world.touched[actor]]
        if asked_about:
            actor = builder.subject(rng, asked_about, world.mentioned[-steps:])
            question, answer = ask(world, actor)
            builder.ask(question, answer, tuple(world.touched[actor].values()))
    return builder


def counting(rng, max_questions):
    """Task 7: "How many objects is Daniel carrying?" none, one, two or three."""
    return _holding_story(
        rng,
        max_questions,
        lambda world, actor: (f"How many objects is {actor} carrying?", NUMBERS[len(world.held_by(actor))]),
    )


def lists_sets(rng, max_questions):
    """Task 8: "What is Daniel carrying?" "milk,football" (in the order taken) or "nothing"."""
    return _holding_story(
        rng,
        max_questions,
        lambda world, actor: (f"What is {actor} carrying?", ",".join(world.held_by(actor)) or "nothing"),
    )
