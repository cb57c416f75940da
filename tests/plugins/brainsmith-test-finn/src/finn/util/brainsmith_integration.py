"""The shape of FINN's brainsmith integration: names only, nothing heavy imported."""


def register_all():
    op = "finn.custom_op.fpgadataflow"
    return {
        "kernels": [
            {
                "name": "MVAU",
                "module": f"{op}.matrixvectoractivation",
                "class_name": "MVAU",
                "infer_transform": "finn.transformation.fpgadataflow.convert_to_hw_layers:"
                "InferQuantizedMatrixVectorActivation",
            },
            {
                "name": "Thresholding",
                "module": f"{op}.thresholding",
                "class_name": "Thresholding",
                "infer_transform": {
                    "module": "finn.transformation.fpgadataflow.convert_to_hw_layers",
                    "class_name": "InferThresholdingLayer",
                },
            },
            {
                "name": "StreamingFIFO",
                "module": f"{op}.streamingfifo",
                "class_name": "StreamingFIFO",
                "is_infrastructure": True,
            },
        ],
        "backends": [
            {
                "name": "MVAU_hls",
                "module": f"{op}.hls.matrixvectoractivation_hls",
                "class_name": "MVAU_hls",
                "target_kernel": "finn:MVAU",
                "language": "hls",
            },
            {
                "name": "MVAU_rtl",
                "module": f"{op}.rtl.matrixvectoractivation_rtl",
                "class_name": "MVAU_rtl",
                "target_kernel": "finn:MVAU",
                "language": "rtl",
            },
            {
                "name": "Thresholding_rtl",
                "module": f"{op}.rtl.thresholding_rtl",
                "class_name": "Thresholding_rtl",
                "target_kernel": "finn:Thresholding",
                "language": "rtl",
            },
        ],
        "steps": [
            {
                "name": "step_streamline",
                "module": "finn.builder.build_dataflow_steps",
                "func_name": "step_streamline",
            },
        ],
    }
