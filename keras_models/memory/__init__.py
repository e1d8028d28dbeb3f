"""Memory networks (course chapters 12–13): models that read from and write to an external memory.

MemN2N and EntNet answer questions about stories (bAbI: `keras_models.memory.babi` reads the file
format and generates the twenty tasks); the Neural Turing Machine and the Differentiable Neural
Computer are Keras RNN cells trained on the algorithmic tasks of `keras_models.memory.algorithmic`.
"""

from keras_models.memory import algorithmic, babi
from keras_models.memory.dnc import DNC, DNCCell
from keras_models.memory.entnet import EntNet
from keras_models.memory.memn2n import LinearStart, MemN2N
from keras_models.memory.ntm import NTM, NTMCell
from keras_models.memory.text import BabiVectorizer, build_vocabulary, tokenize

__all__ = [
    "DNC",
    "NTM",
    "BabiVectorizer",
    "DNCCell",
    "EntNet",
    "LinearStart",
    "MemN2N",
    "NTMCell",
    "algorithmic",
    "babi",
    "build_vocabulary",
    "tokenize",
]
