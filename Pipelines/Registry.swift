import Pipeline

/// Every pipeline declared in this folder, by name; the first is the default of `tripline run`.
///
/// To add a pipeline: declare it in a new file here and list it below.
public let registeredPipelines: [Pipeline] = [
    linuxEndpoint,
    kafkaEndpoint,
]
