"""Trainer module: trains keras_models.memory.MemN2N or EntNet (--model) on the train split's questions
(all tasks jointly) and exports the `answer` signature."""

import dataclasses
import os

import keras
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft

from components import model_info
from components.babi_example_gen.executor import read_examples
from keras_models.memory.entnet import EntNet
from keras_models.memory.memn2n import HalvingSchedule, LinearStart, MemN2N
from keras_models.memory.text import memory_shape, qa_arrays
from pipelines import training
from pipelines.question_answering import configs
from serving.memory_export import MemoryExport


def vocabulary(tft_output, name):
    return [word.decode("utf-8") for word in tft_output.vocabulary_by_name(name)]


def build_model(config, words, answers, memory_size, sentence_length):
    shared = dict(
        vocabulary=words,
        memory_size=memory_size,
        sentence_size=sentence_length,
        embedding_dim=config.embedding_dim,
        answers=answers,
    )
    if config.model == "entnet":
        return EntNet(slots=config.slots, **shared)
    return MemN2N(
        hops=config.hops,
        weight_tying=config.weight_tying,
        random_noise=config.random_noise,
        **shared,
    )


def compile_as_the_paper(model, config):
    """MemN2N: SGD on the batch's summed loss, as Sukhbaatar et al.'s code (its learning rates are per
    question); EntNet: Adam on the mean loss, as Henaff et al. Gradient norms clipped, XLA."""
    summed = config.model == "memn2n"
    optimizer = keras.optimizers.SGD if summed else keras.optimizers.Adam
    model.compile(
        optimizer=optimizer(config.learning_rate, global_clipnorm=config.clip_norm),
        loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="sum" if summed else "sum_over_batch_size"
        ),
        metrics=["accuracy"],
        jit_compile=True,
    )


def _dataset(inputs, labels, config, shuffle):
    ds = tf.data.Dataset.from_tensor_slices((inputs, labels))
    if shuffle:
        ds = ds.shuffle(len(labels), seed=config.seed, reshuffle_each_iteration=True)
    return ds.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    policy = training.set_precision_policy(config.mixed_precision)
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    words = vocabulary(tft_output, configs.WORD_VOCABULARY)
    answers = vocabulary(tft_output, configs.ANSWER_VOCABULARY)

    qas = read_examples(fn_args.train_files)
    order = np.random.default_rng(config.seed).permutation(len(qas))
    held_out = max(1, int(len(qas) * config.validation_fraction))
    train_qas = [qas[i] for i in order[held_out:]]
    validation_qas = [qas[i] for i in order[:held_out]]
    memory_size, sentence_length = memory_shape(qas, config.memory_size)
    model = build_model(config, words, answers, memory_size, sentence_length)
    compile_as_the_paper(model, config)
    train_inputs, train_labels = qa_arrays(model.vectorizer, train_qas)  # once: the epochs read arrays
    validation_inputs, validation_labels = qa_arrays(model.vectorizer, validation_qas)
    model({key: value[:1] for key, value in train_inputs.items()})  # builds the weights to count them
    parameters = model.count_params()
    tasks = sorted({qa.task for qa in qas})
    print(
        f"{type(model).__name__}: {len(train_qas):,} questions of tasks {','.join(map(str, tasks))} "
        f"({len(validation_qas):,} held out), {len(words):,} words, {len(answers)} answers, "
        f"memory {memory_size} x {model.vectorizer.sentence_size} words, {parameters:,} parameters",
        flush=True,
    )
    linear_start = config.model == "memn2n" and config.linear_start
    rate = config.learning_rate
    callbacks = [HalvingSchedule(rate, config.anneal_every, rate / 2 if linear_start else None)]
    if linear_start:
        callbacks.append(LinearStart(patience=2))
    training.fit_and_record(
        model,
        _dataset(train_inputs, train_labels, config, shuffle=True),
        _dataset(validation_inputs, validation_labels, config, shuffle=False),
        epochs=config.epochs,
        run_dir=fn_args.model_run_dir,
        callbacks=callbacks,
        extra={"config": dataclasses.asdict(config), "precision_policy": policy, "parameters": parameters},
    )
    MemoryExport(model).save(fn_args.serving_model_dir)
    model_info.write(
        os.path.dirname(fn_args.serving_model_dir),
        {"model": config.model, "tasks": tasks, "vocabulary_size": len(words), "parameters": parameters},
    )
