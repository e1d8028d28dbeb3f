"""bAbI tasks about positions: 4 (two-argument relations), 17 (positional reasoning), 19 (path finding).

As in bAbI, a relation means the neighbouring cell of a grid: "The kitchen is north of the hallway."
puts the kitchen in the cell just north of the hallway, and "The triangle is to the right of the blue
square." puts the triangle in the cell just right of it. Each generator returns a `StoryBuilder` with
at most `max_questions` questions.
"""

from keras_models.memory.babi.world import PLACES, StoryBuilder, pick, sample

COMPASS = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0)}
SIDES = {"to the left of": (-1, 0), "to the right of": (1, 0), "above": (0, 1), "below": (0, -1)}
SHAPES = ("red square", "blue square", "red sphere", "pink rectangle", "triangle", "yellow square")
ROOMS = ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")


def _opposite(words, relation):
    """The relation of `words` ({name: (dx, dy)}) pointing the other way."""
    dx, dy = words[relation]
    return next(name for name, step in words.items() if step == (-dx, -dy))


def _add(a, b):
    return (a[0] + b[0], a[1] + b[1])


def _relate(builder, rng, words, thing, relation, other):
    """Says that `thing` is `relation` `other`, either way round ("The A is above the B." or "The B is
    below the A."), and returns the statement's id."""
    if rng.random() < 0.5:
        thing, relation, other = other, _opposite(words, relation), thing
    return builder.say(f"The {thing} is {relation} the {other}.")


def two_arg_relations(rng, max_questions):
    """Task 4: "The office is north of the kitchen. The garden is west of the kitchen." - "What is north
    of the kitchen?" office, or "What is the kitchen south of?" office.

    Both facts relate one place to the same centre in different, non-opposite directions, so every
    question has one answer.
    """
    builder = StoryBuilder()
    centre, first, second = sample(rng, PLACES, 3)
    near = pick(rng, list(COMPASS))
    far = pick(rng, [d for d in COMPASS if d not in (near, _opposite(COMPASS, near))])
    facts = [(first, near, centre), (second, far, centre)]
    ids = [_compass_fact(builder, rng, *fact) for fact in facts]
    for _ in range(min(1, max_questions)):
        k = int(rng.integers(2))
        thing, direction, other = facts[k]
        if rng.random() < 0.5:  # ask the other way round: `other` is opposite of `thing`
            thing, direction, other = other, _opposite(COMPASS, direction), thing
        if rng.random() < 0.5:
            builder.ask(f"What is {direction} of the {other}?", thing, (ids[k],))
        else:
            builder.ask(f"What is the {thing} {direction} of?", other, (ids[k],))
    return builder


def _compass_fact(builder, rng, thing, direction, other):
    if rng.random() < 0.5:
        thing, direction, other = other, _opposite(COMPASS, direction), thing
    return builder.say(f"The {thing} is {direction} of the {other}.")


def positional_reasoning(rng, max_questions):
    """Task 17: "The triangle is to the right of the blue square. The red square is below the
    triangle." - "Is the red square to the left of the blue square?" no (it is right of and below it).

    The two facts never point opposite ways, so the second shape never lands on the first's cell;
    "X is to the right of Y" is answered yes when X's cell lies further right than Y's.
    """
    builder = StoryBuilder()
    first, second, third = sample(rng, SHAPES, 3)  # first at (0, 0), second next to it, third next to that
    one = pick(rng, list(SIDES))
    two = pick(rng, [s for s in SIDES if s != _opposite(SIDES, one)])
    place = {first: (0, 0), second: SIDES[one]}
    place[third] = _add(place[second], SIDES[two])
    ids = (_relate(builder, rng, SIDES, second, one, first), _relate(builder, rng, SIDES, third, two, second))
    questions = [(x, side, y) for x, y in ((third, first), (first, third)) for side in SIDES]
    for i in rng.permutation(len(questions))[: min(8, max_questions)]:
        x, side, y = questions[int(i)]
        (dx, dy), (sx, sy) = (place[x][0] - place[y][0], place[x][1] - place[y][1]), SIDES[side]
        answer = "yes" if dx * sx + dy * sy > 0 else "no"
        builder.ask(f"Is the {x} {side} the {y}?", answer, ids)
    return builder


def _grow_map(rng):
    """Six rooms on a grid, each (but the first) next to exactly one room placed before it, so the
    neighbours of the grid are the corridors: returns ({room: cell}, [(room, direction, neighbour)])."""
    rooms = sample(rng, ROOMS, len(ROOMS))
    cell, doors = {rooms[0]: (0, 0)}, []
    for room in rooms[1:]:
        taken = set(cell.values())
        options = []
        for other in cell:
            for direction, step in COMPASS.items():
                spot = _add(cell[other], step)
                touching = sum(_add(spot, s) in taken for s in COMPASS.values())
                if spot not in taken and touching == 1:
                    options.append((other, direction, spot))
        other, direction, spot = pick(rng, options)
        cell[room] = spot
        doors.append((room, direction, other))
    return cell, doors


def path_finding(rng, max_questions):
    """Task 19: five "The kitchen is north of the hallway." facts over six rooms (a tree, so each
    route is unique); "How do you go from the den to the kitchen?" "w,n" (two steps)."""
    builder = StoryBuilder()
    cell, doors = _grow_map(rng)
    ids = {}
    for i in rng.permutation(len(doors)):
        room, direction, other = doors[int(i)]
        ids[frozenset((room, other))] = _compass_fact(builder, rng, room, direction, other)
    routes = [
        (start, middle, goal)
        for start in cell
        for middle in cell
        for goal in cell
        if start != goal and frozenset((start, middle)) in ids and frozenset((middle, goal)) in ids
    ]
    letters = {step: name[0] for name, step in COMPASS.items()}
    for _ in range(min(1, max_questions)):
        start, middle, goal = pick(rng, routes)
        legs = ((start, middle), (middle, goal))
        steps = [(cell[b][0] - cell[a][0], cell[b][1] - cell[a][1]) for a, b in legs]
        supporting = (ids[frozenset((start, middle))], ids[frozenset((middle, goal))])
        builder.ask(
            f"How do you go from the {start} to the {goal}?",
            ",".join(letters[s] for s in steps),
            supporting,
        )
    return builder
