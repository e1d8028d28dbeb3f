"""Kernel machines (course chapter 18): the soft-margin SVM in the dual, the kernel trick, random features.

- Our KernelSVM (SMO with LIBSVM's working-set selection, Platt 1998 / Fan, Chen & Lin 2005; one-vs-one
  for several classes) against scikit-learn's SVC on the same data, kernel, C and γ: test accuracy and
  number of support vectors, on breast cancer (2 classes) and digits (10), linear and RBF kernels; the
  projected-gradient solver on the same dual as a check of the solution.
- The kernel trick: on XOR (the sign of x₁x₂) and on two concentric circles no line separates the
  classes, so the linear kernel fails; a degree-2 polynomial kernel (its features include x₁x₂, x₁² and
  x₂²) and the RBF kernel separate them.
- Random Fourier features (Rahimi & Recht 2007): z(x)·z(y) ≈ exp(−γ‖x − y‖²) with an error ~ 1/√D, so
  a linear model on D features (Keras, softmax) approaches the exact RBF SVM as D grows, at a cost
  linear in the number of examples.
"""

import dataclasses

import keras
import numpy as np
from tqdm import tqdm

from components import plots
from keras_models.kernels import KernelSVM, RandomFourierFeatures, rbf_kernel
from tools.experiments import data
from tools.experiments.report import Finding, Report, status

CLAIM = (
    "A kernel SVM trained in the dual by SMO matches scikit-learn's SVC (test accuracy within 1 point, "
    "about the same support vectors); with the kernel trick it separates XOR and circles, where the linear "
    "kernel fails and polynomial and RBF kernels succeed; random Fourier features with a linear model "
    "approach the exact RBF SVM as the number of features grows."
)
ONE_POINT = 0.01  # the acceptance: test accuracy within 1 point of SVC's (same data, kernel, C, γ)
SV_CLOSE = 0.05  # support-vector counts within 5 %: both stop at the same KKT tolerance, not the same α
LINEAR_FAILS = 0.75  # XOR/circles: a line gets at most ~3 of XOR's 4 quadrants; circles ~ chance
SOLVED = 0.9  # polynomial and RBF on XOR/circles (the noise mislabels a few % near the boundary)
RFF_CLOSE = 0.02  # RFF + linear model at the largest D within 2 points of the exact RBF SVM
RATE, RATE_SLACK = -0.5, 0.15  # kernel error ∝ D^-½ (Monte Carlo); measured slope within ±0.15 of it
TOY_KERNELS = {"linear": {"kernel": "linear"}, "poly (degree 2)": {"kernel": "poly", "degree": 2,
               "coef0": 1.0}, "RBF": {"kernel": "rbf"}}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Config:
    c: float = 1.0
    tol: float = 1e-3  # SVC's default KKT tolerance, for both
    train_limit: int = 0  # rows of each training set (0: all)
    toy_rows: int = 400  # training and test points of XOR and circles
    xor_noise: float = 0.05  # jitter after labelling: flips ~3 % of the points near the axes
    circles_noise: float = 0.1  # make_circles' noise: radii 1 and 0.5 stay apart
    features: tuple = (8, 32, 128, 512, 2048)  # D of the random features
    rff_epochs: int = 60
    rff_lr: float = 0.01  # Adam, batches of 64
    probe: int = 300  # test rows whose kernel matrix the random features approximate


FULL = Config()
QUICK = Config(train_limit=250, toy_rows=120, features=(8, 64), rff_epochs=3, probe=60)


def xor(rng, rows, noise):
    """Uniform in [-1, 1]², labelled by the sign of x₁x₂, then jittered by `noise`."""
    x = rng.uniform(-1, 1, size=(rows, 2))
    return x + noise * rng.normal(size=x.shape), (x[:, 0] * x[:, 1] > 0).astype(int)


def circles(rng, rows, noise):
    from sklearn.datasets import make_circles

    x, y = make_circles(rows, noise=noise, factor=0.5, random_state=int(rng.integers(2**31)))
    return x, y


def compare(name, config, seed):
    """Ours (SMO; and projected gradient on breast cancer RBF) and SVC: accuracy, SVs, seconds."""
    from sklearn.svm import SVC

    d = data.sklearn_split(name, seed=seed)
    x_train, x_test = data.standardize(d.x_train, d.x_test)
    y_train = d.y_train
    if config.train_limit:
        x_train, y_train = x_train[: config.train_limit], y_train[: config.train_limit]
    out = {"source": d.source, "rows": []}
    for kernel in ("linear", "rbf"):
        models = {"ours (SMO)": KernelSVM(kernel, C=config.c, tol=config.tol),
                  "SVC": SVC(kernel=kernel, C=config.c, tol=config.tol)}  # fmt: skip
        if name == "breast_cancer" and kernel == "rbf":
            models["ours (projected gradient)"] = KernelSVM(kernel, C=config.c, tol=config.tol,
                                                            solver="projected_gradient")  # fmt: skip
        for label, model in models.items():
            model.fit(x_train, y_train)
            out["rows"].append({"data": name, "kernel": kernel, "model": label,
                                "test_accuracy": float(np.mean(model.predict(x_test) == d.y_test)),
                                "support_vectors": len(model.support_)})  # fmt: skip
    return out, (x_train, y_train, x_test, d.y_test)


def toy_study(config, seed):
    rng = np.random.default_rng([seed, 1])
    out = {}
    for name, make, noise in (("XOR", xor, config.xor_noise), ("circles", circles, config.circles_noise)):
        x, y = make(rng, config.toy_rows, noise)
        x_test, y_test = make(rng, config.toy_rows, noise)
        fitted = {k: KernelSVM(C=config.c, tol=config.tol, **p).fit(x, y) for k, p in TOY_KERNELS.items()}
        out[name] = {"x": x, "y": y, "models": fitted,
                     "accuracy": {k: m.score(x_test, y_test) for k, m in fitted.items()},
                     "support_vectors": {k: len(m.support_) for k, m in fitted.items()}}  # fmt: skip
    return out


def rff_study(config, split, gamma, seed, bar):
    """Per D: the mean |z(x)·z(y) − k(x, y)| on test rows and the test accuracy of softmax on z(x)."""
    x_train, y_train, x_test, y_test = (a.astype("float32") if a.dtype.kind == "f" else a for a in split)
    probe = x_test[: config.probe]
    exact = rbf_kernel(probe, gamma=gamma)
    errors, accuracy = [], []
    for dim in config.features:
        keras.utils.set_random_seed(seed)
        features = RandomFourierFeatures(dim, gamma=gamma, seed=seed)
        z = np.asarray(features(probe))
        errors.append(float(np.mean(np.abs(z @ z.T - exact))))
        model = keras.Sequential([keras.Input((x_train.shape[1],)), features, keras.layers.Dense(10)])
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model.compile(keras.optimizers.Adam(config.rff_lr), loss, metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=config.rff_epochs, batch_size=64, verbose=0)
        accuracy.append(float(model.evaluate(x_test, y_test, verbose=0, batch_size=1000)[1]))
        bar.update()
    slope = float(np.polyfit(np.log(config.features), np.log(errors), 1)[0])
    return {"features": list(config.features), "kernel_error": errors, "test_accuracy": accuracy,
            "error_slope": slope, "gamma": gamma}  # fmt: skip


def judge(comparison, toys, rff, exact_rbf):
    pairs = {}
    for r in comparison:
        pairs.setdefault((r["data"], r["kernel"]), {})[r["model"]] = r
    gaps, sv_gaps, why = [], [], []
    for (name, kernel), models in pairs.items():
        ours, svc = models["ours (SMO)"], models["SVC"]
        gaps.append(abs(ours["test_accuracy"] - svc["test_accuracy"]))
        sv_gaps.append(abs(ours["support_vectors"] - svc["support_vectors"]) / svc["support_vectors"])
        why.append(f"{name} {kernel}: {ours['test_accuracy']:.1%} vs {svc['test_accuracy']:.1%}, "
                   f"{ours['support_vectors']} vs {svc['support_vectors']} SVs")  # fmt: skip
    matches = Finding(
        "matches SVC",
        "SMO in the dual matches scikit-learn's SVC: accuracy within 1 point, about the same support vectors",
        status(max(gaps) <= ONE_POINT, max(sv_gaps) <= SV_CLOSE),
        "ours vs SVC: " + "; ".join(why) + f" (largest accuracy gap {max(gaps):.1%}, allowed "
        f"{ONE_POINT:.0%}; largest SV-count gap {max(sv_gaps):.1%}, allowed {SV_CLOSE:.0%})",
    )
    acc = {name: t["accuracy"] for name, t in toys.items()}
    linear_fails = all(a["linear"] <= LINEAR_FAILS for a in acc.values())
    kernels_solve = all(a[k] >= SOLVED for a in acc.values() for k in ("poly (degree 2)", "RBF"))
    trick = Finding(
        "kernel trick",
        "on XOR and circles the linear kernel fails, polynomial and RBF kernels succeed",
        status(linear_fails, kernels_solve),
        "; ".join(f"{name}: " + ", ".join(f"{k} {v:.1%}" for k, v in a.items()) for name, a in acc.items())
        + f" (test accuracy; fails: ≤ {LINEAR_FAILS:.0%}, succeeds: ≥ {SOLVED:.0%}); RBF beats linear on "
        f"circles by {acc['circles']['RBF'] - acc['circles']['linear']:.1%}",
    )
    best = rff["test_accuracy"][-1]
    shrinks = abs(rff["error_slope"] - RATE) <= RATE_SLACK
    approaches = exact_rbf - best <= RFF_CLOSE and best >= rff["test_accuracy"][0]
    features = Finding(
        "random features",
        "random Fourier features + a linear model approach the exact RBF SVM as D grows",
        status(shrinks, approaches),
        f"kernel error {rff['kernel_error'][0]:.3f} at D = {rff['features'][0]} → "
        f"{rff['kernel_error'][-1]:.4f} at D = {rff['features'][-1]}, slope {rff['error_slope']:.2f} in "
        f"log-log (1/√D: {RATE} ± {RATE_SLACK}); digits test accuracy {rff['test_accuracy'][0]:.1%} → "
        f"{best:.1%} vs the exact RBF SVM's {exact_rbf:.1%} (close: within {RFF_CLOSE:.0%})",
    )
    return [matches, trick, features]


def _boundaries(toys, output_dir):
    plt = plots.pyplot()
    fig, axes = plt.subplots(len(toys), len(TOY_KERNELS), figsize=(3.3 * len(TOY_KERNELS), 3.2 * len(toys)),
                             squeeze=False)  # fmt: skip
    for row, (name, t) in zip(axes, toys.items()):
        x, y = t["x"], t["y"]
        grid = np.linspace(x.min() - 0.2, x.max() + 0.2, 120)
        gx, gy = np.meshgrid(grid, grid)
        for ax, (kernel, model) in zip(row, t["models"].items()):
            f = model.decision_function(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
            ax.contourf(gx, gy, f > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
            ax.contour(gx, gy, f, levels=[-1, 0, 1], colors="k", linestyles=[":", "-", ":"], linewidths=0.8)
            ax.scatter(*x.T, c=np.where(y == 1, "#2166ac", "#b2182b"), s=5)
            sv = model.support_vectors_
            ax.scatter(*sv.T, s=22, facecolors="none", edgecolors="k", linewidths=0.4)
            ax.set_title(f"{name}, {kernel}: {t['accuracy'][kernel]:.0%} test, {len(sv)} SVs", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    plots.save(fig, f"{output_dir}/decision_boundaries.png")
    return "decision_boundaries.png"


def _rff_plot(rff, exact_rbf, output_dir):
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    d = np.array(rff["features"])
    axes[0].loglog(d, rff["kernel_error"], "o-", label="mean |z(x)·z(y) − k(x, y)|")
    axes[0].loglog(d, rff["kernel_error"][0] * np.sqrt(d[0] / d), "k:", label="∝ 1/√D")
    axes[0].set_xlabel("random features D")
    axes[0].legend(fontsize=7)
    axes[0].set_title("RBF kernel approximation (digits test rows)", fontsize=9)
    axes[1].semilogx(d, rff["test_accuracy"], "o-", label="RFF + softmax (Keras)")
    axes[1].axhline(exact_rbf, color="gray", linestyle="--", label="exact RBF SVM (SMO)")
    axes[1].set_xlabel("random features D")
    axes[1].set_ylabel("digits test accuracy")
    axes[1].legend(fontsize=7)
    plots.save(fig, f"{output_dir}/random_features.png")
    return "random_features.png"


def _table(comparison, toys, rff):
    headers = ["data", "kernel", "model", "test accuracy", "support vectors"]
    rows = [[r["data"], r["kernel"], r["model"], f"{r['test_accuracy']:.1%}", str(r["support_vectors"])]
            for r in comparison]  # fmt: skip
    for name, t in toys.items():
        rows += [[f"{name} (generated)", k, "ours (SMO)", f"{a:.1%}", str(t["support_vectors"][k])]
                 for k, a in t["accuracy"].items()]  # fmt: skip
    rows += [["digits", f"RFF, D = {dim}", "RFF + softmax (Keras)", f"{a:.1%}", "—"]
             for dim, a in zip(rff["features"], rff["test_accuracy"])]  # fmt: skip
    return headers, rows


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    keras.utils.set_random_seed(seed)
    with tqdm(total=2 + len(config.features), desc="kernel_svm", unit="study") as bar:
        cancer, _ = compare("breast_cancer", config, seed)
        bar.update()
        digits, split = compare("digits", config, seed)
        toys = toy_study(config, seed)
        bar.update()
        gamma = 1.0 / (split[0].shape[1] * split[0].var())  # SVC's gamma="scale" on the digits
        rff = rff_study(config, split, gamma, seed, bar)
    comparison = cancer["rows"] + digits["rows"]
    exact_rbf = next(r["test_accuracy"] for r in digits["rows"] if r["kernel"] == "rbf"
                     and r["model"] == "ours (SMO)")  # fmt: skip
    headers, rows = _table(comparison, toys, rff)
    return Report(
        name="kernel_svm",
        claim=CLAIM,
        setup=[
            f"{cancer['source']}; {digits['source']}; features standardised with the training statistics"
            + (f"; training sets cut to {config.train_limit} rows" if config.train_limit else "")
            + ".",
            f"KernelSVM (keras_models.kernels; SMO with WSS2, NumPy) and scikit-learn's SVC: C = {config.c}, "
            f'γ = "scale" (1/(d·Var x)), tol = {config.tol}; 10 digits: one-vs-one (45 machines) for both.',
            f"XOR (sign of x₁x₂ on [-1, 1]²) and circles (make_circles, factor 0.5): {config.toy_rows} "
            f"training and {config.toy_rows} test points, noise {config.xor_noise} (XOR) and "
            f"{config.circles_noise} (circles); kernels linear, "
            "(γ x·y + 1)², RBF.",
            f"Random Fourier features (γ of the digits' RBF SVM, {gamma:.4f}) then Dense(10), softmax "
            f"cross-entropy, Adam {config.rff_lr}, batches of 64, {config.rff_epochs} epochs; kernel error "
            f"on {config.probe} test rows.",
            f"Seed {seed}."
            + (" `--quick`: a smoke run, too small for its verdict to mean much." if quick else ""),
        ],  # fmt: skip
        headers=headers,
        rows=rows,
        plots=[
            (
                "Decision boundaries (f = 0 solid, ±1 dotted) of the kernel SVM; support vectors circled",
                _boundaries(toys, output_dir),
            ),
            (
                "Random Fourier features: kernel error and test accuracy against D",
                _rff_plot(rff, exact_rbf, output_dir),
            ),
        ],  # fmt: skip
        findings=judge(comparison, toys, rff, exact_rbf),
        results={
            "config": dataclasses.asdict(config),
            "comparison": comparison,
            "toys": {name: {k: t[k] for k in ("accuracy", "support_vectors")} for name, t in toys.items()},
            "random_features": rff,
            "exact_rbf_accuracy": exact_rbf,
        },
    )
