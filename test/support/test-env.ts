// Local tooling runs on Node 20; Lambda runs Node 22. Silence the SDK's Node-version notice in tests.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
