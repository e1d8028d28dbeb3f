"""Learning curves of a compiled Keras classifier, measured the same way for every experiment.

`fit` trains one epoch at a time and, before the first and after every epoch, evaluates the
whole-model loss on a fixed probe of the training set (not fit's running mean, which mixes
weights of the whole epoch) and the loss and accuracy on the test set.
"""

import math

import keras


def mlp(hidden, *, activation="tanh", classes=10, inputs=784, seed=0, **dense):
    """Dense layers of `hidden` units then softmax logits; the same seed gives the same weights."""
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((inputs,))]
    layers += [keras.layers.Dense(units, activation=activation, **dense) for units in hidden]
    layers += [keras.layers.Dense(classes)]
    return keras.Sequential(layers)


def compile_classifier(model, optimizer):
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def fit(model, data, *, epochs, batch_size, shuffle=True, probe=2000, bar=None):
    """Trains `model` (compiled) on data.x_train in the given order unless `shuffle`; returns the curves:
    {"epoch", "train_loss", "test_loss", "test_accuracy"}, with epoch 0 the untrained model.

    probe: the training images the train loss is measured on, (x, y) or n for the first n.
    """
    x_probe, y_probe = probe if isinstance(probe, tuple) else (data.x_train[:probe], data.y_train[:probe])
    curves = {"epoch": [], "train_loss": [], "test_loss": [], "test_accuracy": []}

    def record(epoch):
        train_loss, _ = model.evaluate(x_probe, y_probe, batch_size=1000, verbose=0)
        test_loss, test_accuracy = model.evaluate(data.x_test, data.y_test, batch_size=1000, verbose=0)
        curves["epoch"].append(epoch)
        curves["train_loss"].append(train_loss if math.isfinite(train_loss) else None)
        curves["test_loss"].append(test_loss if math.isfinite(test_loss) else None)
        curves["test_accuracy"].append(test_accuracy)

    record(0)
    for epoch in range(1, epochs + 1):
        model.fit(data.x_train, data.y_train, batch_size=batch_size, epochs=1, shuffle=shuffle, verbose=0)
        record(epoch)
        if bar is not None:
            bar.update()
    return curves


def accuracy_margin(p, n, sigmas=3.0):
    """`sigmas` standard errors of the difference of two accuracies near p, each on n test examples."""
    return sigmas * math.sqrt(2 * p * (1 - p) / n)


def first_epoch_at_or_below(curve, level):
    """The first epoch whose value is ≤ level, or None."""
    hits = [i for i, v in enumerate(curve) if v is not None and v <= level]
    return hits[0] if hits else None
