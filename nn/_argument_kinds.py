"""Keras's ``get``, ``serialize`` and ``deserialize`` for a kind of object that layers take
as arguments (regularizers, constraints), written once: ``nn.regularizers`` and
``nn.constraints`` each make an ``ArgumentKind`` of their classes and names.

A layer's argument may be None, a name ("l2", "max_norm", or a class name with its
defaults), the dict ``serialize`` writes (``{"class_name": "L2", "config": {...}}``), an
object of the kind or its class, or any callable, which is returned unchanged.
"""

import inspect

__all__ = ["ArgumentKind"]


class ArgumentKind:
    """Args:
        kind: "regularizer", "constraint": the word errors use.
        base: the kind's base class.
        names: {lowercase name: a function of no argument giving the object} (Keras's
            aliases with their defaults).
        by_name: {class name: class}, whose ``from_config`` rebuilds an object.
    """

    def __init__(self, kind, base, names, by_name):
        self.kind, self.base, self.names, self.by_name = kind, base, names, by_name
        self.where = f"{kind}s.get"

    def get(self, identifier):
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, str):
            make = self.names.get(identifier) or self.by_name.get(identifier)
            if make is None:
                raise ValueError(f"{self.where}: unknown {self.kind} {identifier!r}; known: "
                                 f"{', '.join(sorted(self.names) + sorted(self.by_name))}")
            return make()
        if inspect.isclass(identifier) and issubclass(identifier, self.base):
            return identifier()
        if callable(identifier):
            return identifier
        raise TypeError(f"{self.where}: expected None, a name, a config dict or a callable, "
                        f"got {type(identifier).__name__} {identifier!r:.100}")

    def for_layer(self, identifier, what, where):
        try:
            return self.get(identifier)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{where}: {what}: {err}") from None

    def serialize(self, obj):
        if isinstance(obj, self.base):
            return {"class_name": type(obj).__name__, "config": obj.get_config()}
        return obj

    def deserialize(self, config, custom_objects=None):
        classes = {**self.by_name, **{name: cls for name, cls in (custom_objects or {}).items()
                                      if inspect.isclass(cls) and issubclass(cls, self.base)}}
        name = config.get("class_name") if isinstance(config, dict) else None
        if name not in classes or not isinstance(config.get("config", {}), dict):
            raise ValueError(f"{self.where}: unknown {self.kind} config {config!r:.200}")
        return classes[name].from_config(config.get("config", {}))
