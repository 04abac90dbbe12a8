def load_model(path, custom_objects=None):
    raise NotImplementedError
